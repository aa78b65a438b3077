package dev.hikyaku.store;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;

/** EXPLAIN QUERY PLAN over a store's database file, for tests that a query searches an index. */
final class QueryPlans {

  private QueryPlans() {}

  /** The plan of {@code sql} with {@code arguments} bound, one line per step, indentation dropped. */
  static String plan(Path dataDirectory, String sql, List<Object> arguments) throws SQLException {
    try (var raw = DriverManager.getConnection("jdbc:sqlite:" + dataDirectory.resolve(Store.SQLITE_FILE_NAME));
        var statement = raw.prepareStatement("EXPLAIN QUERY PLAN " + sql)) {
      for (int i = 0; i < arguments.size(); i++) {
        statement.setObject(i + 1, arguments.get(i));
      }
      StringBuilder plan = new StringBuilder();
      try (var rows = statement.executeQuery()) {
        while (rows.next()) {
          plan.append(rows.getString("detail")).append('\n');
        }
      }
      return plan.toString();
    }
  }
}
