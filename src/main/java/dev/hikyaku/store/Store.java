package dev.hikyaku.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
import org.flywaydb.core.api.output.ValidateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The server's one durable state: the message queue and the accounts, in an embedded SQLite file
 * (one node, the default) or in a PostgreSQL database several nodes share ({@link Dialect}).
 *
 * <p>Opening sets, on the writing connection, the settings the 250-after-DATA promise rests on:
 * WAL journal and {@code synchronous=FULL}, because in WAL mode only FULL fsyncs the WAL at every
 * commit (https://sqlite.org/pragma.html#pragma_synchronous: NORMAL may lose the last commits on
 * power loss). Both are read back and opening fails if SQLite did not take them.
 *
 * <p>Accounts have a writing connection of their own, with the same settings: their changes are
 * short admin transactions that should neither wait behind nor delay a group commit.
 */
public final class Store implements AutoCloseable {

  /** The database file inside the data directory. */
  public static final String SQLITE_FILE_NAME = "hikyaku.db";

  private static final Logger log = LoggerFactory.getLogger(Store.class);
  private static final Dialect SQLITE = new Dialect.Sqlite();
  private static final Dialect POSTGRES = new Dialect.Postgres();
  private static final int BUSY_TIMEOUT_MILLIS = 5_000;
  private static final int READ_CONNECTIONS = 4;
  // After a checkpoint, truncate the WAL back to this size rather than keep its high-water mark.
  // Up to it the file keeps its octets; QueueSpace has those beyond the WAL's working size back
  // (a TRUNCATE checkpoint) when the disk runs short.
  private static final int JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

  private final String name;
  private final Path databaseFile; // null on PostgreSQL
  private final Clock clock;
  private final GroupCommitWriter writer;
  private final ReadConnections readers;
  private final MessageQueue queue;
  private final DeliveryLeases leases;
  private final Nodes nodes;
  private final QueueAdmin queueAdmin;
  private final MessageHistory history;
  private final MessageEvents messageEvents;
  private final IdempotencyRecords idempotency;
  private final AccountWriter accountWriter;
  private final LastUseRecorder lastUses;
  private final Domains domains;
  private final Accounts accounts;
  private final AppPasswords appPasswords;
  private final ConsoleAdmins consoleAdmins;
  private final ServerSecret serverSecret;
  private final ApiKeys apiKeys;
  private final SigningKeys signingKeys;
  private final TlsReports tlsReports;
  private final TrafficCounts trafficCounts;
  private final DmarcReports dmarcReports;
  private final Suppressions suppressions;
  private final Webhooks webhooks;
  private final WebhookDeliveries webhookDeliveries;
  private final Defences defences;
  private final AdminChanges adminChanges;
  private final QueueSpace space;
  private final AtomicBoolean isClosed = new AtomicBoolean();

  private Store(
      String name,
      Path databaseFile,
      Clock clock,
      GroupCommitWriter writer,
      ReadConnections readers,
      Connection accountConnection,
      Dialect dialect,
      Reconnect reconnect,
      NodeIdentity node,
      long walCheckpointPages) {
    this.name = name;
    this.databaseFile = databaseFile;
    this.clock = clock;
    this.writer = writer;
    this.readers = readers;
    this.leases = new DeliveryLeases(writer, readers, node);
    this.nodes = new Nodes(writer, readers, leases);
    this.queue = new MessageQueue(writer, readers, leases);
    this.queueAdmin = new QueueAdmin(writer, readers, clock);
    this.history = new MessageHistory(writer, readers);
    this.messageEvents = new MessageEvents(writer, readers);
    this.idempotency = new IdempotencyRecords(writer, readers);
    this.accountWriter = new AccountWriter(accountConnection, dialect, reconnect);
    this.lastUses = LastUseRecorder.start(accountWriter);
    this.domains = new Domains(accountWriter, readers, clock);
    this.accounts = new Accounts(accountWriter, readers, lastUses, clock);
    this.appPasswords = new AppPasswords(accountWriter, readers, lastUses, clock);
    this.consoleAdmins = new ConsoleAdmins(accountWriter, readers, clock);
    this.serverSecret = new ServerSecret(accountWriter, readers, new SecureRandom());
    this.apiKeys = new ApiKeys(accountWriter, readers, lastUses, clock);
    this.defences = new Defences(accountWriter, readers);
    this.signingKeys = new SigningKeys(accountWriter, readers);
    this.suppressions = new Suppressions(accountWriter, readers);
    this.tlsReports = new TlsReports(accountWriter, readers);
    this.trafficCounts = new TrafficCounts(readers);
    this.dmarcReports = new DmarcReports(accountWriter, readers);
    this.webhooks = new Webhooks(accountWriter, readers);
    this.webhookDeliveries = new WebhookDeliveries(writer, readers, webhooks);
    this.adminChanges = new AdminChanges(accountWriter, clock);
    // The queue's room is measured where the store owns the disk. A PostgreSQL server's disk is its
    // operator's: when it fills, the commit fails with disk_full and the message gets a 452/451.
    this.space = databaseFile == null
        ? null
        : new QueueSpace(databaseFile, readers, writer, walCheckpointPages,
            QueueSpace.fileSystemOf(databaseFile), System::nanoTime);
  }

  /**
   * Octets the queue can still grow by (see {@link QueueSpace}: free space on the file system plus
   * pages free inside the database, less what the next checkpoint and the WAL's working size will
   * take). When that is less than {@code wanted}, the WAL is first checkpointed and truncated if what
   * it holds beyond its working size would make up the difference. 0 when the file system cannot be
   * read, so that a broken one refuses mail rather than fills.
   */
  public long usableSpace(long wanted) {
    return space == null ? Long.MAX_VALUE : space.usable(wanted);
  }

  /**
   * Creates the directory if missing, opens or creates {@code dataDirectory/hikyaku.db} in WAL mode
   * with {@code synchronous=FULL}, a busy timeout and foreign keys on, and brings the schema up to
   * date with the Flyway migrations in {@code classpath:db/migration/sqlite}.
   */
  public static Store openSqlite(Path dataDirectory, Clock clock) throws StoreException {
    return openSqlite(dataDirectory, clock, NodeIdentity.LOCAL);
  }

  /** {@link #openSqlite(Path, Clock)}, the leases held as {@code node}. */
  public static Store openSqlite(Path dataDirectory, Clock clock, NodeIdentity node) throws StoreException {
    Objects.requireNonNull(dataDirectory, "dataDirectory");
    Objects.requireNonNull(clock, "clock");
    Path databaseFile = dataDirectory.toAbsolutePath().resolve(SQLITE_FILE_NAME);
    try {
      Files.createDirectories(dataDirectory);
    } catch (IOException e) {
      throw new StoreException(
          StoreException.Kind.UNAVAILABLE, "cannot create data directory " + dataDirectory, e);
    }
    String url = "jdbc:sqlite:" + databaseFile;
    Connection writerConnection = null;
    Connection accountConnection = null;
    try {
      writerConnection = writerConfig().createConnection(url);
      requireDurableSettings(writerConnection, databaseFile);
      long walCheckpointPages;
      try (Statement statement = writerConnection.createStatement()) {
        walCheckpointPages = Long.parseLong(single(statement, "PRAGMA wal_autocheckpoint"));
      }
      migrate(url, databaseFile);
      accountConnection = writerConfig().createConnection(url);
      requireDurableSettings(accountConnection, databaseFile);
      GroupCommitWriter writer = GroupCommitWriter.start(writerConnection, SQLITE, Reconnect.NEVER, node);
      ReadConnections readers = new ReadConnections(() -> openReader(url), READ_CONNECTIONS, SQLITE);
      log.info("store opened: {}", databaseFile);
      return new Store(databaseFile.toString(), databaseFile, clock, writer, readers,
          accountConnection, SQLITE, Reconnect.NEVER, node, walCheckpointPages);
    } catch (SQLException | FlywayException e) {
      closeAfterFailedOpen(accountConnection, e);
      closeAfterFailedOpen(writerConnection, e);
      throw StoreException.from("opening " + databaseFile, e);
    } catch (StoreException e) {
      closeAfterFailedOpen(accountConnection, e);
      closeAfterFailedOpen(writerConnection, e);
      throw e;
    }
  }

  /**
   * Opens the store on a PostgreSQL database shared by several nodes (SCALE.md). Each connection
   * is checked for the settings a 250 rests on: {@code synchronous_commit} not off or local and
   * {@code fsync} on, so that COMMIT returns only once the WAL record is on disk (and on the
   * synchronous standbys, if any). The schema is only checked, never changed, unless {@code
   * migrate} is set: {@code hikyaku migrate} brings it up to date once before the nodes start.
   */
  public static Store openPostgres(PostgresSettings settings, NodeIdentity node, boolean migrate, Clock clock)
      throws StoreException {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(clock, "clock");
    String name = settings.safeName();
    Connection writerConnection = null;
    Connection accountConnection = null;
    try {
      prepareSchema(settings, migrate);
      writerConnection = PostgresConnections.openWriter(settings, node);
      accountConnection = PostgresConnections.openWriter(settings, node);
      GroupCommitWriter writer = GroupCommitWriter.start(
          writerConnection, POSTGRES, () -> PostgresConnections.openWriter(settings, node), node);
      ReadConnections readers =
          new ReadConnections(() -> PostgresConnections.openReader(settings, node), settings.pool(), POSTGRES);
      log.info("store opened: {}", name);
      return new Store(name, null, clock, writer, readers, accountConnection, POSTGRES,
          () -> PostgresConnections.openWriter(settings, node), node, 0);
    } catch (SQLException | FlywayException e) {
      closeAfterFailedOpen(accountConnection, e);
      closeAfterFailedOpen(writerConnection, e);
      throw StoreException.from("opening " + name, e);
    } catch (StoreException e) {
      closeAfterFailedOpen(accountConnection, e);
      closeAfterFailedOpen(writerConnection, e);
      throw e;
    }
  }

  /**
   * Brings the PostgreSQL schema up to date ({@code hikyaku migrate}): Flyway takes an advisory
   * lock, so two nodes running it at once apply each migration once.
   */
  public static void migratePostgres(PostgresSettings settings) throws StoreException {
    try {
      prepareSchema(settings, true);
    } catch (FlywayException e) {
      throw StoreException.from("migrating " + settings.safeName(), e);
    }
  }

  private static void prepareSchema(PostgresSettings settings, boolean migrate) {
    Flyway flyway = Flyway.configure(Store.class.getClassLoader())
        .dataSource(settings.url(), settings.user(), settings.password())
        .locations(POSTGRES.migrations())
        .failOnMissingLocations(true)
        .load();
    if (migrate) {
      MigrateResult result = flyway.migrate();
      if (result.migrationsExecuted > 0) {
        log.info("{}: applied {} migration(s), schema now at version {}",
            settings.safeName(), result.migrationsExecuted, result.targetSchemaVersion);
      }
    } else {
      // Nodes only check: a missing migration stops the start with what to run.
      ValidateResult validation = flyway.validateWithResult();
      if (!validation.validationSuccessful) {
        throw new FlywayException("the schema of " + settings.safeName() + " is not up to date ("
            + validation.getAllErrorMessages() + "): run `hikyaku migrate` first");
      }
    }
  }

  /** The queue as delivery sees it: accept, due, record. */
  public MessageQueue queue() {
    return queue;
  }

  /** The nodes sharing this store (V20). */
  public Nodes nodes() {
    return nodes;
  }

  /** The queue as an operator sees it: list, find, hold, release, delete, return, flush. */
  public QueueAdmin queueAdmin() {
    return queueAdmin;
  }

  /** What became of accepted messages, kept after they leave the queue. */
  public MessageHistory history() {
    return history;
  }

  /** The accounts' event feeds (V12). */
  public MessageEvents messageEvents() {
    return messageEvents;
  }

  /** The answers kept for the API's Idempotency-Key, written with the messages they queued. */
  public IdempotencyRecords idempotency() {
    return idempotency;
  }

  /** The hosted domains accounts live in. */
  public Domains domains() {
    return domains;
  }

  /** The accounts that log in on the submission ports, and the addresses each may send as. */
  public Accounts accounts() {
    return accounts;
  }

  /** The accounts' app passwords, stored by keyed hash under {@link #serverSecret()}. */
  public AppPasswords appPasswords() {
    return appPasswords;
  }

  /** The accounts that may sign in to the operators' console, with their second factors. */
  public ConsoleAdmins consoleAdmins() {
    return consoleAdmins;
  }

  /** The key for keyed hashes of generated credentials. */
  public ServerSecret serverSecret() {
    return serverSecret;
  }

  /**
   * How many changes this process has written to accounts, credentials, API keys and the other
   * administrative tables: a cache of what they decide (the API's verified keys) read this before
   * reading the rows, and treats an entry as stale once the count has moved. Changes another
   * process makes (the admin CLI) do not move it; such a cache must also expire.
   */
  public long administrativeWrites() {
    return accountWriter.writes();
  }

  /** The API keys, stored by keyed hash under {@link ServerSecret#value()}. */
  public ApiKeys apiKeys() {
    return apiKeys;
  }

  /** Administrative changes waiting to be published to a running server's audit log. */
  public AdminChanges adminChanges() {
    return adminChanges;
  }

  /** The DKIM keys of the hosted domains. */
  public SigningKeys signingKeys() {
    return signingKeys;
  }

  /** The suppression list: recipients mail from a sending domain is no longer taken for. */
  public Suppressions suppressions() {
    return suppressions;
  }

  /** The TLS session counts and daily reports of SMTP TLS Reporting (V21, RFC 8460). */
  /** Messages accepted and attempts by outcome over time, from the history (the console's overview). */
  public TrafficCounts trafficCounts() {
    return trafficCounts;
  }

  public TlsReports tlsReports() {
    return tlsReports;
  }

  /** The message counts and daily reports of DMARC aggregate reporting (V23, RFC 7489 §7.2). */
  public DmarcReports dmarcReports() {
    return dmarcReports;
  }

  /** Webhook endpoints (V15). */
  public Webhooks webhooks() {
    return webhooks;
  }

  /** The delivery of the event feed to the webhook endpoints, and its log (V15). */
  public WebhookDeliveries webhookDeliveries() {
    return webhookDeliveries;
  }

  /** Blocks, known sources, counter snapshots and suspensions of the abuse defences. */
  public Defences defences() {
    return defences;
  }

  /**
   * Lets every write already handed to the queue commit and writes the pending last-use times of
   * accounts, then closes. From the start of close, new writes and reads fail with {@link
   * StoreException.Kind#CLOSED}. Idempotent.
   */
  @Override
  public void close() {
    if (!isClosed.compareAndSet(false, true)) {
      return;
    }
    accountWriter.beginClose();
    lastUses.close(); // its final flush still has the account connection
    accountWriter.close();
    writer.close();
    readers.close();
    try {
      // The last connection to close checkpoints the WAL into the database file.
      writer.closeConnection();
    } catch (SQLException e) {
      log.warn("closing the store's writing connection failed: {}", e.toString());
    }
    log.info("store closed: {}", name);
  }

  /** The clock the store stamps queue changes with. */
  Clock clock() {
    return clock;
  }

  Path databaseFile() {
    return databaseFile;
  }

  /** {@code PRAGMA journal_mode} as the writing connection sees it; "wal" when open. */
  String writerJournalMode() throws SQLException {
    return writer.pragma("journal_mode");
  }

  /** {@code PRAGMA synchronous} on the writing connection; 2 is FULL. */
  int writerSynchronous() throws SQLException {
    return Integer.parseInt(writer.pragma("synchronous"));
  }

  /**
   * Why the queue's writer has stopped, when it stopped by itself (an Error such as running out of
   * memory mid-commit): until a restart every message is refused with a temporary failure, so the
   * health check reports it.
   */
  public Optional<String> writerFailure() {
    return writer.failure();
  }

  GroupCommitWriter writer() {
    return writer;
  }

  LastUseRecorder lastUses() {
    return lastUses;
  }

  ReadConnections readers() {
    return readers;
  }

  private static SQLiteConfig writerConfig() {
    SQLiteConfig config = commonConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.setJournalSizeLimit(JOURNAL_SIZE_LIMIT_BYTES);
    return config;
  }

  private static SQLiteConfig commonConfig() {
    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
    config.enforceForeignKeys(true);
    return config;
  }

  private static Connection openReader(String url) throws SQLException {
    SQLiteConfig config = commonConfig();
    Connection connection = config.createConnection(url);
    try (Statement statement = connection.createStatement()) {
      // Belt and braces: nothing on a read connection may write, so only the writer's commits,
      // with their fsync, change the queue.
      statement.execute("PRAGMA query_only = ON");
    } catch (SQLException e) {
      connection.close();
      throw e;
    }
    return connection;
  }

  private static void requireDurableSettings(Connection connection, Path databaseFile)
      throws SQLException, StoreException {
    try (Statement statement = connection.createStatement()) {
      String journalMode = single(statement, "PRAGMA journal_mode");
      String synchronous = single(statement, "PRAGMA synchronous");
      if (!"wal".equalsIgnoreCase(journalMode) || !"2".equals(synchronous)) {
        // E.g. a file system without shared memory support refuses WAL and SQLite stays in DELETE.
        throw new StoreException(
            StoreException.Kind.UNAVAILABLE,
            databaseFile + ": need journal_mode=wal and synchronous=2 (FULL), got journal_mode="
                + journalMode + " synchronous=" + synchronous);
      }
    }
  }

  private static String single(Statement statement, String sql) throws SQLException {
    try (ResultSet rows = statement.executeQuery(sql)) {
      return rows.next() ? rows.getString(1) : null;
    }
  }

  private static void migrate(String url, Path databaseFile) {
    SQLiteDataSource dataSource = new SQLiteDataSource(commonConfig());
    dataSource.setUrl(url);
    MigrateResult result = Flyway.configure(Store.class.getClassLoader())
        .dataSource(dataSource)
        .locations(SQLITE.migrations())
        .failOnMissingLocations(true)
        // Every pending migration in one transaction (SQLite's DDL is transactional): an upgrade
        // lands whole or not at all, and a new store is one commit, not one fsync per migration.
        .group(true)
        .load()
        .migrate();
    if (result.migrationsExecuted > 0) {
      log.info("{}: applied {} migration(s), schema now at version {}",
          databaseFile, result.migrationsExecuted, result.targetSchemaVersion);
    }
  }

  private static void closeAfterFailedOpen(Connection connection, Exception failure) {
    if (connection == null) {
      return;
    }
    try {
      connection.close();
    } catch (SQLException closeFailure) {
      failure.addSuppressed(closeFailure);
    }
  }
}
