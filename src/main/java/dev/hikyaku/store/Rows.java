package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Row helpers shared by the account tables ({@link Domains}, {@link Accounts}, {@link AppPasswords},
 * {@link ApiKeys}): optional columns, lookups of a domain or an account inside a change's
 * transaction, and the {@code NOT_FOUND} they answer with.
 */
final class Rows {

  private Rows() {}

  static Optional<Instant> optionalInstant(ResultSet row, String column) throws SQLException {
    long millis = row.getLong(column);
    return row.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(millis));
  }

  static void setOptional(PreparedStatement statement, int index, Optional<String> value)
      throws SQLException {
    if (value.isPresent()) {
      statement.setString(index, value.get());
    } else {
      statement.setNull(index, Types.VARCHAR);
    }
  }

  /** The first column of every row {@code select} finds. */
  static List<String> strings(PreparedStatement select) throws SQLException {
    List<String> values = new ArrayList<>();
    try (ResultSet rows = select.executeQuery()) {
      while (rows.next()) {
        values.add(rows.getString(1));
      }
    }
    return values;
  }

  static boolean domainExists(Connection connection, String name) throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement("SELECT 1 FROM domain WHERE name = ?")) {
      select.setString(1, name);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next();
      }
    }
  }

  /** The id of the account {@code login}; {@code NOT_FOUND} if there is none. */
  static long requireAccountId(Connection connection, String login)
      throws SQLException, StoreException {
    try (PreparedStatement select =
        connection.prepareStatement("SELECT id FROM account WHERE address = ?")) {
      select.setString(1, login);
      try (ResultSet rows = select.executeQuery()) {
        if (!rows.next()) {
          throw accountNotFound(login);
        }
        return rows.getLong(1);
      }
    }
  }

  static StoreException accountNotFound(String login) {
    return new StoreException(StoreException.Kind.NOT_FOUND, "account " + login + " not found");
  }

  static StoreException domainNotFound(String name) {
    return new StoreException(StoreException.Kind.NOT_FOUND, "domain " + name + " not found");
  }
}
