package dev.hikyaku.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.testing.TestPostgres;
import dev.hikyaku.testing.TestStores;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: the migrations in {@code db/migration/sqlite} and {@code db/migration/postgres} end at
 * the same schema. Both are applied to fresh databases and read back from the catalogues (SQLite's
 * pragmas and sqlite_master, PostgreSQL's information_schema and pg_catalog, JDBC metadata for keys),
 * then compared table by table: columns (name, type class, nullability, default, identity), primary
 * key, unique constraints, check constraints, named indexes (columns or expressions, DESC,
 * uniqueness, partial predicate), foreign keys (columns, referenced table and columns, delete rule).
 * Every difference is named in the failure message.
 *
 * <p>Not compared: column order, and NULL ordering in indexes (SQLite's index definitions cannot
 * say it: ascending puts NULLs first; PostgreSQL's default puts them last, and V19 spells out NULLS
 * FIRST where the due pass orders by a nullable column).
 */
@Tag(TestStores.STARTS_POSTGRES)
class SchemaParityTest {

  private static final String HISTORY_TABLE = "flyway_schema_history";

  /** The 0/1 flag columns: INTEGER on PostgreSQL (bound with setInt); every other integer is BIGINT. */
  private static final Set<String> FLAG_COLUMNS = Set.of("account.disabled", "webhook_endpoint.allow_private");

  /**
   * An insert without the id for every table with an AUTOINCREMENT (SQLite) or identity (PostgreSQL)
   * column, in an order that satisfies the foreign keys; %d makes each row's unique values unique.
   */
  private static final Map<String, String> IDENTITY_INSERTS = identityInserts();

  @TempDir Path directory;

  @Test
  void bothDialectsMigrateToTheSameSchema() throws SQLException {
    try (Connection sqlite = migratedSqlite(); Connection postgres = migratedPostgres()) {
      Map<String, Table> sqliteTables = readSqlite(sqlite);
      Map<String, Table> postgresTables = readPostgres(postgres);
      assertThat(sqliteTables).as("tables read from SQLite").isNotEmpty();

      List<String> differences = new ArrayList<>();
      compare(sqliteTables, postgresTables, differences);
      assertThat(differences).as("differences between the SQLite and the PostgreSQL schema").isEmpty();
    }
  }

  @Test
  void bothDialectsReportTheSameMigrations() {
    List<String> sqlite = applied(flyway("jdbc:sqlite:" + directory.resolve("versions.db"), null, "sqlite"));
    List<String> postgres = applied(flyway(TestPostgres.freshDatabase(), TestPostgres.USER, "postgres"));
    assertThat(sqlite).as("migrations applied to SQLite").isNotEmpty();
    assertThat(postgres).as("migrations applied to PostgreSQL (version: description)").isEqualTo(sqlite);
    assertThat(latest(postgres)).as("latest Flyway version").isEqualTo(latest(sqlite));
  }

  @Test
  void identityColumnsHandOutIncreasingIdsAndNeverReuseOne() throws SQLException {
    try (Connection sqlite = migratedSqlite(); Connection postgres = migratedPostgres()) {
      for (Connection connection : List.of(sqlite, postgres)) {
        String dialect = connection.getMetaData().getDatabaseProductName();
        Map<String, String> identities = identityColumns(connection == sqlite ? readSqlite(sqlite) : readPostgres(postgres));
        assertThat(identities.keySet())
            .as("%s: tables with an identity column (a new one needs its insert in IDENTITY_INSERTS)", dialect)
            .containsExactlyInAnyOrderElementsOf(IDENTITY_INSERTS.keySet());
        execute(connection, "INSERT INTO domain (name, created_at) VALUES ('example.org', 0)");
        int row = 0;
        for (Map.Entry<String, String> insert : IDENTITY_INSERTS.entrySet()) {
          String table = insert.getKey();
          String column = identities.get(table);
          long first = insertReturning(connection, insert.getValue().formatted(++row), column);
          long second = insertReturning(connection, insert.getValue().formatted(++row), column);
          assertThat(second).as("%s: %s.%s of the second row", dialect, table, column).isGreaterThan(first);
          // AUTOINCREMENT and a sequence alike: the highest id, once deleted, is not handed out again.
          execute(connection, "DELETE FROM " + table + " WHERE " + column + " = " + second);
          long third = insertReturning(connection, insert.getValue().formatted(++row), column);
          assertThat(third).as("%s: %s.%s after the highest row was deleted", dialect, table, column)
              .isGreaterThan(second);
        }
      }
    }
  }

  /**
   * The migrations that move data (V6 fills recipient.domain; V14 keeps message_event's seq from
   * going back) do the same on both dialects over rows that were there before them.
   */
  @Test
  void dataMovingMigrationsKeepTheRowsTheyFind() throws SQLException {
    String sqliteUrl = "jdbc:sqlite:" + directory.resolve("populated.db");
    String postgresUrl = TestPostgres.freshDatabase();
    List<String> forwardPaths = List.of("User@Example.ORG", "\"odd@local\"@Mixed.Example", "postmaster", "a@b@C.example");
    Map<String, List<String>> domains = new TreeMap<>();
    Map<String, Long> nextSeqs = new TreeMap<>();
    for (String url : List.of(sqliteUrl, postgresUrl)) {
      boolean isSqlite = url.startsWith("jdbc:sqlite:");
      String user = isSqlite ? null : TestPostgres.USER;
      String dialect = isSqlite ? "sqlite" : "postgres";
      flywayUpTo(url, user, dialect, "5").migrate();
      try (Connection connection = DriverManager.getConnection(url, user, null)) {
        execute(connection, "INSERT INTO message (id, received_at, reverse_path, mail_parameters, listener,"
            + " client_address, helo_name, size) VALUES ('Q1', 0, '', '', 'mx', '192.0.2.1', 'h', 1)");
        for (int i = 0; i < forwardPaths.size(); i++) {
          execute(connection, "INSERT INTO recipient (message_id, position, forward_path, parameters) VALUES ('Q1', "
              + i + ", '" + forwardPaths.get(i).replace("'", "''") + "', '')");
        }
      }
      flywayUpTo(url, user, dialect, "13").migrate();
      try (Connection connection = DriverManager.getConnection(url, user, null)) {
        for (int i = 1; i <= 3; i++) {
          execute(connection, "INSERT INTO message_event (at, type, account, queue_id, data)"
              + " VALUES (" + i + ", 't', 'a', 'Q1', '{}')");
        }
        execute(connection, "DELETE FROM message_event WHERE seq = 3");  // pruned: 3 is the high-water mark
      }
      flyway(url, user, dialect).migrate();
      try (Connection connection = DriverManager.getConnection(url, user, null)) {
        domains.put(dialect, column(rows(connection, "SELECT domain FROM recipient ORDER BY position"), 0));
        assertThat(column(rows(connection, "SELECT seq FROM message_event ORDER BY seq"), 0))
            .as("%s: message_event rows kept by V14", dialect).containsExactly("1", "2");
        nextSeqs.put(dialect, insertReturning(connection,
            "INSERT INTO message_event (at, type, account, data) VALUES (4, 't', 'a', '{}')", "seq"));
      }
    }
    assertThat(domains.get("sqlite")).as("recipient.domain filled by SQLite's V6")
        .containsExactlyElementsOf(forwardPaths.stream().map(NewRecipient::domainOf).toList());
    assertThat(domains.get("postgres")).as("recipient.domain filled by PostgreSQL's V6")
        .containsExactlyElementsOf(domains.get("sqlite"));
    assertThat(nextSeqs).as("the seq of the first event after V14").allSatisfy((dialect, seq) -> assertThat(seq).isGreaterThan(3));
  }

  // ---- migrating -------------------------------------------------------------------------------

  private Connection migratedSqlite() throws SQLException {
    String url = "jdbc:sqlite:" + directory.resolve("parity-" + System.nanoTime() + ".db");
    flyway(url, null, "sqlite").migrate();
    return DriverManager.getConnection(url);
  }

  private static Connection migratedPostgres() throws SQLException {
    String url = TestPostgres.freshDatabase();
    flyway(url, TestPostgres.USER, "postgres").migrate();
    return DriverManager.getConnection(url, TestPostgres.USER, null);
  }

  /** Configured as Store.migrate configures it, for {@code db/migration/<dialect>}. */
  private static Flyway flyway(String url, String user, String dialect) {
    return Flyway.configure(SchemaParityTest.class.getClassLoader())
        .dataSource(url, user, null)
        .locations("classpath:db/migration/" + dialect)
        .failOnMissingLocations(true)
        .load();
  }

  private static Flyway flywayUpTo(String url, String user, String dialect, String version) {
    return Flyway.configure(SchemaParityTest.class.getClassLoader())
        .dataSource(url, user, null)
        .locations("classpath:db/migration/" + dialect)
        .target(version)
        .load();
  }

  private static List<String> applied(Flyway flyway) {
    flyway.migrate();
    List<String> versions = new ArrayList<>();
    for (MigrationInfo info : flyway.info().applied()) {
      versions.add(info.getVersion() + ": " + info.getDescription() + " (" + info.getState() + ")");
    }
    return versions;
  }

  private static String latest(List<String> versions) {
    return versions.getLast().substring(0, versions.getLast().indexOf(':'));
  }

  // ---- the schema, as both catalogues describe it ----------------------------------------------

  enum TypeClass { INTEGER, TEXT, BYTES, REAL, NUMERIC, OTHER }

  record Column(String name, TypeClass type, String sqlType, boolean isNullable, String defaultValue, boolean isIdentity) {}

  /** {@code columns} are the normalised key expressions, each with " desc" when descending. */
  record Index(String name, List<String> columns, boolean isUnique, String predicate) {}

  record ForeignKey(List<String> columns, String referencedTable, List<String> referencedColumns, String onDelete) {}

  record Table(
      String name,
      Map<String, Column> columns,
      List<String> primaryKey,
      Set<String> uniqueConstraints,
      List<String> checks,
      Map<String, Index> indexes,
      Set<ForeignKey> foreignKeys) {}

  private static Map<String, Table> readSqlite(Connection connection) throws SQLException {
    Map<String, String> tableSql = new TreeMap<>();
    for (List<String> row : rows(connection,
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> ?",
        HISTORY_TABLE)) {
      tableSql.put(row.get(0), row.get(1));
    }
    Map<String, Table> tables = new TreeMap<>();
    for (Map.Entry<String, String> entry : tableSql.entrySet()) {
      String table = entry.getKey();
      String sql = entry.getValue();
      Map<String, Column> columns = new TreeMap<>();
      List<List<String>> info = rows(connection,
          "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid", table);
      long primaryKeyColumns = info.stream().filter(c -> !"0".equals(c.get(4))).count();
      for (List<String> c : info) {
        String type = c.get(1).toUpperCase(Locale.ROOT);
        // AUTOINCREMENT is allowed on an INTEGER PRIMARY KEY only, which is then the table's only key column.
        boolean isIdentity = primaryKeyColumns == 1 && !"0".equals(c.get(4)) && type.equals("INTEGER")
            && sql.toUpperCase(Locale.ROOT).contains("AUTOINCREMENT");
        columns.put(c.get(0), new Column(c.get(0), sqliteTypeClass(type), type, "0".equals(c.get(2)),
            normalisedDefault(c.get(3)), isIdentity));
      }

      Set<String> uniques = new TreeSet<>();
      Map<String, Index> indexes = new TreeMap<>();
      for (List<String> index : rows(connection,
          "SELECT name, \"unique\", origin FROM pragma_index_list(?)", table)) {
        String name = index.get(0);
        switch (index.get(2)) {
          case "pk" -> { }
          case "u" -> uniques.add(String.join(",", column(rows(connection,
              "SELECT name FROM pragma_index_info(?) ORDER BY seqno", name), 0)));
          default -> indexes.put(name, sqliteIndex(connection, table, name, "1".equals(index.get(1))));
        }
      }
      tables.put(table, new Table(table, columns, primaryKey(connection, table), uniques,
          sqliteChecks(sql), indexes, foreignKeys(connection, table)));
    }
    return tables;
  }

  private static Index sqliteIndex(Connection connection, String table, String name, boolean isUnique)
      throws SQLException {
    String sql = rows(connection, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", name)
        .getFirst().getFirst();
    Matcher on = Pattern.compile("\\bON\\s+\"?" + Pattern.quote(table) + "\"?\\s*\\(", Pattern.CASE_INSENSITIVE)
        .matcher(sql);
    if (!on.find()) {
      throw new IllegalStateException("cannot read the columns of index " + name + ": " + sql);
    }
    int open = on.end() - 1;
    int close = matchingParenthesis(sql, open);
    List<String> columns = new ArrayList<>();
    for (String term : splitTopLevel(sql.substring(open + 1, close))) {
      columns.add(normalisedTerm(term));
    }
    String rest = sql.substring(close + 1).trim();
    String predicate = null;
    if (rest.regionMatches(true, 0, "WHERE", 0, 5)) {
      predicate = predicateSignature(rest.substring(5));
    }
    return new Index(name, columns, isUnique, predicate);
  }

  /** The CHECK (...) expressions of a CREATE TABLE statement (ALTER TABLE ADD COLUMN appends there). */
  private static List<String> sqliteChecks(String createTable) {
    List<String> checks = new ArrayList<>();
    Matcher check = Pattern.compile("\\bCHECK\\s*\\(", Pattern.CASE_INSENSITIVE).matcher(createTable);
    while (check.find()) {
      int open = check.end() - 1;
      checks.add(normalisedExpression(createTable.substring(open, matchingParenthesis(createTable, open) + 1)));
    }
    checks.sort(null);
    return checks;
  }

  private static Map<String, Table> readPostgres(Connection connection) throws SQLException {
    Map<String, Table> tables = new TreeMap<>();
    for (List<String> row : rows(connection,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            + " AND table_type = 'BASE TABLE' AND table_name <> ? ORDER BY table_name", HISTORY_TABLE)) {
      String table = row.getFirst();
      Map<String, Column> columns = new TreeMap<>();
      for (List<String> c : rows(connection,
          "SELECT column_name, data_type, is_nullable, column_default, is_identity FROM information_schema.columns"
              + " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position", table)) {
        columns.put(c.get(0), new Column(c.get(0), postgresTypeClass(c.get(1)), c.get(1),
            "YES".equals(c.get(2)), normalisedDefault(c.get(3)), "YES".equals(c.get(4))));
      }

      Set<String> uniques = new TreeSet<>();
      List<String> checks = new ArrayList<>();
      for (List<String> constraint : rows(connection, """
          SELECT c.contype,
                 (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
                    FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum),
                 pg_get_constraintdef(c.oid)
            FROM pg_constraint c
           WHERE c.conrelid = (quote_ident(current_schema()) || '.' || quote_ident(?))::regclass
             AND c.contype IN ('u', 'c')""", table)) {
        if (constraint.get(0).equals("u")) {
          uniques.add(constraint.get(1));
        } else {
          checks.add(normalisedExpression(constraint.get(2).replaceFirst("(?i)^CHECK\\s*", "")));
        }
      }
      checks.sort(null);

      Map<String, Index> indexes = new TreeMap<>();
      for (List<String> index : rows(connection, """
          SELECT i.relname, ix.indisunique, pg_get_expr(ix.indpred, ix.indrelid), ix.indexrelid
            FROM pg_index ix
            JOIN pg_class i ON i.oid = ix.indexrelid
           WHERE ix.indrelid = (quote_ident(current_schema()) || '.' || quote_ident(?))::regclass
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                              WHERE c.conindid = ix.indexrelid AND c.conrelid = ix.indrelid AND c.contype IN ('p', 'u'))""",
          table)) {
        List<String> keys = new ArrayList<>();
        for (List<String> key : rows(connection, """
            SELECT pg_get_indexdef(ix.indexrelid, k, true), (ix.indoption[k - 1] & 1) <> 0
              FROM pg_index ix, generate_series(1, ix.indnkeyatts) AS k
             WHERE ix.indexrelid = ?::oid
             ORDER BY k""", index.get(3))) {
          keys.add(normalisedTerm(key.get(0)) + ("t".equals(key.get(1)) || "true".equals(key.get(1)) ? " desc" : ""));
        }
        String predicate = index.get(2) == null ? null : predicateSignature(index.get(2));
        indexes.put(index.get(0), new Index(index.get(0), keys,
            "t".equals(index.get(1)) || "true".equals(index.get(1)), predicate));
      }
      tables.put(table, new Table(table, columns, primaryKey(connection, table), uniques, checks, indexes,
          foreignKeys(connection, table)));
    }
    return tables;
  }

  private static List<String> primaryKey(Connection connection, String table) throws SQLException {
    Map<Integer, String> columns = new TreeMap<>();
    try (ResultSet keys = connection.getMetaData().getPrimaryKeys(null, schema(connection), table)) {
      while (keys.next()) {
        columns.put(keys.getInt("KEY_SEQ"), keys.getString("COLUMN_NAME"));
      }
    }
    return List.copyOf(columns.values());
  }

  private static Set<ForeignKey> foreignKeys(Connection connection, String table) throws SQLException {
    Set<ForeignKey> keys = new HashSet<>();
    try (ResultSet rows = connection.getMetaData().getImportedKeys(null, schema(connection), table)) {
      List<String> columns = null;
      List<String> referenced = null;
      String referencedTable = null;
      String deleteRule = null;
      // Ordered by referenced table and KEY_SEQ: KEY_SEQ 1 starts the next key.
      while (rows.next()) {
        if (rows.getInt("KEY_SEQ") == 1) {
          if (columns != null) {
            keys.add(new ForeignKey(columns, referencedTable, referenced, deleteRule));
          }
          columns = new ArrayList<>();
          referenced = new ArrayList<>();
          referencedTable = rows.getString("PKTABLE_NAME");
          deleteRule = switch (rows.getInt("DELETE_RULE")) {
            case DatabaseMetaData.importedKeyCascade -> "CASCADE";
            case DatabaseMetaData.importedKeyRestrict -> "RESTRICT";
            case DatabaseMetaData.importedKeySetNull -> "SET NULL";
            case DatabaseMetaData.importedKeyNoAction -> "NO ACTION";
            case DatabaseMetaData.importedKeySetDefault -> "SET DEFAULT";
            default -> "rule " + rows.getInt("DELETE_RULE");
          };
        }
        columns.add(rows.getString("FKCOLUMN_NAME"));
        referenced.add(rows.getString("PKCOLUMN_NAME"));
      }
      if (columns != null) {
        keys.add(new ForeignKey(columns, referencedTable, referenced, deleteRule));
      }
    }
    return keys;
  }

  private static String schema(Connection connection) throws SQLException {
    return connection.getMetaData().getDatabaseProductName().equals("PostgreSQL") ? connection.getSchema() : null;
  }

  private static Map<String, String> identityColumns(Map<String, Table> tables) {
    Map<String, String> identities = new TreeMap<>();
    tables.values().forEach(t -> t.columns().values().stream().filter(Column::isIdentity)
        .forEach(c -> identities.put(t.name(), c.name())));
    return identities;
  }

  // ---- comparing -------------------------------------------------------------------------------

  private static void compare(Map<String, Table> sqlite, Map<String, Table> postgres, List<String> differences) {
    onlyIn(sqlite.keySet(), postgres.keySet(), "table", "", differences);
    for (Table s : sqlite.values()) {
      Table p = postgres.get(s.name());
      if (p == null) {
        continue;
      }
      String where = "table " + s.name() + ": ";
      onlyIn(s.columns().keySet(), p.columns().keySet(), "column", where, differences);
      for (Column sc : s.columns().values()) {
        Column pc = p.columns().get(sc.name());
        if (pc == null) {
          continue;
        }
        String column = where + "column " + sc.name() + ": ";
        differ(column + "type class", sc.type(), pc.type(), differences);
        differ(column + "nullable", sc.isNullable(), pc.isNullable(), differences);
        differ(column + "default", sc.defaultValue(), pc.defaultValue(), differences);
        differ(column + "identity (AUTOINCREMENT)", sc.isIdentity(), pc.isIdentity(), differences);
        if (pc.type() == TypeClass.INTEGER) {
          String expected = FLAG_COLUMNS.contains(s.name() + "." + sc.name()) ? "integer" : "bigint";
          if (!pc.sqlType().equals(expected)) {
            differences.add(column + "PostgreSQL type is " + pc.sqlType() + ", the type rule (V1) says " + expected);
          }
        }
      }
      differ(where + "primary key", s.primaryKey(), p.primaryKey(), differences);
      differ(where + "unique constraints", s.uniqueConstraints(), p.uniqueConstraints(), differences);
      differ(where + "check constraints", s.checks(), p.checks(), differences);
      onlyIn(s.indexes().keySet(), p.indexes().keySet(), "index", where, differences);
      for (Index si : s.indexes().values()) {
        Index pi = p.indexes().get(si.name());
        if (pi != null) {
          String index = where + "index " + si.name() + ": ";
          differ(index + "columns", si.columns(), pi.columns(), differences);
          differ(index + "unique", si.isUnique(), pi.isUnique(), differences);
          differ(index + "partial predicate (columns and literals)", si.predicate(), pi.predicate(), differences);
        }
      }
      onlyIn(s.foreignKeys(), p.foreignKeys(), "foreign key", where, differences);
    }
  }

  private static void differ(String what, Object sqlite, Object postgres, List<String> differences) {
    if (!Objects.equals(sqlite, postgres)) {
      differences.add(what + ": SQLite " + sqlite + ", PostgreSQL " + postgres);
    }
  }

  private static <T> void onlyIn(Set<T> sqlite, Set<T> postgres, String kind, String where, List<String> differences) {
    for (T item : sqlite) {
      if (!postgres.contains(item)) {
        differences.add(where + kind + " " + item + " only in SQLite");
      }
    }
    for (T item : postgres) {
      if (!sqlite.contains(item)) {
        differences.add(where + kind + " " + item + " only in PostgreSQL");
      }
    }
  }

  // ---- normalising -----------------------------------------------------------------------------

  private static TypeClass sqliteTypeClass(String declared) {
    // https://sqlite.org/datatype3.html#determination_of_column_affinity, in its order.
    if (declared.contains("INT")) {
      return TypeClass.INTEGER;
    } else if (declared.contains("CHAR") || declared.contains("CLOB") || declared.contains("TEXT")) {
      return TypeClass.TEXT;
    } else if (declared.contains("BLOB") || declared.isEmpty()) {
      return TypeClass.BYTES;
    } else if (declared.contains("REAL") || declared.contains("FLOA") || declared.contains("DOUB")) {
      return TypeClass.REAL;
    }
    return TypeClass.NUMERIC;
  }

  private static TypeClass postgresTypeClass(String dataType) {
    return switch (dataType) {
      case "smallint", "integer", "bigint" -> TypeClass.INTEGER;
      case "text", "character varying", "character" -> TypeClass.TEXT;
      case "bytea" -> TypeClass.BYTES;
      case "real", "double precision" -> TypeClass.REAL;
      case "numeric" -> TypeClass.NUMERIC;
      default -> TypeClass.OTHER;
    };
  }

  /** 'queued'::text and 'queued' alike; null stays null. */
  private static String normalisedDefault(String value) {
    return value == null ? null : normalisedExpression(value);
  }

  /** Lower case, without casts (::text), double quotes, parentheses and white space. */
  private static String normalisedExpression(String expression) {
    return expression.toLowerCase(Locale.ROOT)
        .replaceAll("::[a-z_]+( [a-z_]+)*(\\[])?", "")
        .replaceAll("[\"()\\s]", "");
  }

  /** An index key: its expression normalised, " desc" when descending (ASC, COLLATE and NULLS dropped). */
  private static String normalisedTerm(String term) {
    String t = term.trim().toLowerCase(Locale.ROOT).replaceAll("\\s+nulls\\s+(first|last)$", "");
    boolean isDescending = t.endsWith(" desc");
    t = t.replaceAll("\\s+(asc|desc)$", "").replaceAll("\\s+collate\\s+\\S+$", "");
    t = t.replaceAll("::[a-z_]+", "").replaceAll("[\"\\s]", "");
    return isDescending ? t + " desc" : t;
  }

  /**
   * What a partial index's predicate mentions: its identifiers and its string literals, sorted. The
   * two catalogues spell predicates differently (IN (...) comes back as = ANY (ARRAY[...]), with
   * casts), so this is compared rather than the text.
   */
  private static String predicateSignature(String predicate) {
    Set<String> literals = new TreeSet<>();
    Matcher literal = Pattern.compile("'((?:[^']|'')*)'").matcher(predicate);
    while (literal.find()) {
      literals.add("'" + literal.group(1) + "'");
    }
    Set<String> identifiers = new TreeSet<>();
    Matcher word = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*").matcher(predicate.replaceAll("'((?:[^']|'')*)'", " "));
    Set<String> keywords = Set.of("in", "any", "array", "text", "and", "or", "not", "is", "null", "between", "like");
    while (word.find()) {
      String w = word.group().toLowerCase(Locale.ROOT);
      if (!keywords.contains(w)) {
        identifiers.add(w);
      }
    }
    return identifiers + " " + literals;
  }

  private static int matchingParenthesis(String text, int open) {
    int depth = 0;
    boolean isQuoted = false;
    for (int i = open; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\'') {
        isQuoted = !isQuoted;
      } else if (!isQuoted && c == '(') {
        depth++;
      } else if (!isQuoted && c == ')' && --depth == 0) {
        return i;
      }
    }
    throw new IllegalStateException("unbalanced parentheses in " + text);
  }

  private static List<String> splitTopLevel(String list) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < list.length(); i++) {
      char c = list.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        parts.add(list.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(list.substring(start));
    return parts;
  }

  // ---- JDBC ------------------------------------------------------------------------------------

  private static List<List<String>> rows(Connection connection, String sql, String... arguments) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < arguments.length; i++) {
        statement.setString(i + 1, arguments[i]);
      }
      List<List<String>> rows = new ArrayList<>();
      try (ResultSet result = statement.executeQuery()) {
        int width = result.getMetaData().getColumnCount();
        while (result.next()) {
          List<String> row = new ArrayList<>(width);
          for (int i = 1; i <= width; i++) {
            row.add(result.getString(i));
          }
          rows.add(row);
        }
      }
      return rows;
    }
  }

  private static List<String> column(List<List<String>> rows, int index) {
    return rows.stream().map(r -> r.get(index)).toList();
  }

  private static void execute(Connection connection, String sql) throws SQLException {
    try (var statement = connection.createStatement()) {
      statement.executeUpdate(sql);
    }
  }

  private static long insertReturning(Connection connection, String insert, String column) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(insert + " RETURNING " + column);
        ResultSet rows = statement.executeQuery()) {
      assertThat(rows.next()).as("%s returned a row", insert).isTrue();
      return rows.getLong(1);
    }
  }

  private static Map<String, String> identityInserts() {
    Map<String, String> inserts = new LinkedHashMap<>();
    inserts.put("account", "INSERT INTO account (address, domain, from_header, created_at)"
        + " VALUES ('user%d@example.org', 'example.org', 'reject', 0)");
    inserts.put("app_password", "INSERT INTO app_password (account_id, name, keyed_hash, created_at)"
        + " VALUES ((SELECT min(id) FROM account), 'password%d', 'hash', 0)");
    inserts.put("api_key", "INSERT INTO api_key (name, account_id, keyed_hash, scopes, created_at)"
        + " VALUES ('key%d', (SELECT min(id) FROM account), 'hash', 'send', 0)");
    inserts.put("admin_change", "INSERT INTO admin_change (at, command, subject, detail) VALUES (%d, 'c', 's', 'd')");
    inserts.put("message_event", "INSERT INTO message_event (at, type, account, data) VALUES (%d, 't', 'a', '{}')");
    inserts.put("webhook_delivery", "INSERT INTO webhook_delivery (endpoint_id, event_type, kind, status, created_at)"
        + " VALUES ('wh_%d', 'webhook.test', 'test', 'pending', 0)");
    inserts.put("flush_request", "INSERT INTO flush_request (requested_at, remaining) VALUES (%d, 1)");
    inserts.put("tls_report_received", "INSERT INTO tls_report_received (organization, report_id, policy_domain, start_at,"
        + " end_at, successes, failures, report, received_at) VALUES ('o', 'r%d', 'example.org', 0, 0, 0, 0, '{}', 0)");
    return inserts;
  }
}
