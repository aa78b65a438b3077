package dev.hikyaku.store;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hosted domains, the accounts that log in with SMTP AUTH (RFC 4954) on the submission ports, the
 * addresses each may send as, their app passwords, and the server secret for keyed hashes.
 *
 * <p>Addresses, domains and senders are compared whole and lower-case ({@link Locale#ROOT}): the
 * login is the account's address, and a client typing {@code Alice@Example.COM} means the same
 * account. Credential strings and hashes are opaque here; {@code dev.hikyaku.auth} makes and checks
 * them.
 *
 * <p>Changes are admin operations, each one short transaction on the store's account connection;
 * another process (the CLI) may make them while the server runs, and the server sees them at its next
 * read. Malformed input to a change is an {@link IllegalArgumentException} naming it, a caller's
 * bug: {@link #addressProblem}, {@link #domainProblem}, {@link #senderProblem} and {@link
 * #appPasswordNameProblem} say beforehand what a change would refuse. Lookups that
 * take client input ({@link #find}, {@link #maySendAs}, {@link #findActiveAppPassword}) never throw
 * for it and simply find nothing.
 */
public final class Accounts {

  private static final Logger log = LoggerFactory.getLogger(Accounts.class);
  private static final int SERVER_SECRET_BYTES = 32;
  // HMAC-SHA-256 (RFC 2104, FIPS 180-4): 32 octets, 64 hex digits.
  private static final int KEYED_HASH_HEX_DIGITS = 64;

  private static final String ACCOUNT_COLUMNS =
      """
      id, address, domain, argon2id, scram_sha256, cram_md5, disabled, from_header, created_at,
      last_login_at, credential_generation""";
  private static final String APP_PASSWORD_COLUMNS =
      "id, name, keyed_hash, created_at, last_used_at, revoked_at";

  private final AccountWriter writer;
  private final ReadConnections readers;
  private final LastUseRecorder recorder;
  private final Clock clock;
  private final SecureRandom random;
  // Never changes once created (the row is written once, by whichever process asks first).
  private volatile byte[] serverSecret;

  Accounts(
      AccountWriter writer,
      ReadConnections readers,
      LastUseRecorder recorder,
      Clock clock,
      SecureRandom random) {
    this.writer = writer;
    this.readers = readers;
    this.recorder = recorder;
    this.clock = clock;
    this.random = random;
  }

  // ---- Hosted domains ----------------------------------------------------------------------------

  /** Adds a hosted domain, lower-cased. {@code CONFLICT} if it is already there. */
  public void addDomain(String domain) throws StoreException {
    String name = domainName(domain);
    writer.write("adding domain " + name, connection -> {
      if (domainExists(connection, name)) {
        throw new StoreException(StoreException.Kind.CONFLICT, "domain " + name + " already exists");
      }
      try (PreparedStatement insert =
          connection.prepareStatement("INSERT INTO domain (name, created_at) VALUES (?, ?)")) {
        insert.setString(1, name);
        insert.setLong(2, now());
        insert.executeUpdate();
      }
      return null;
    });
  }

  /**
   * Removes a hosted domain. {@code NOT_FOUND} if absent; {@code CONFLICT}, with the count, while
   * accounts live in it: deleting them is a decision the operator makes one account at a time.
   */
  public void removeDomain(String domain) throws StoreException {
    String name = domainName(domain);
    writer.write("removing domain " + name, connection -> {
      if (!domainExists(connection, name)) {
        throw domainNotFound(name);
      }
      long accounts;
      try (PreparedStatement count =
          connection.prepareStatement("SELECT count(*) FROM account WHERE domain = ?")) {
        count.setString(1, name);
        try (ResultSet rows = count.executeQuery()) {
          rows.next();
          accounts = rows.getLong(1);
        }
      }
      if (accounts > 0) {
        throw new StoreException(StoreException.Kind.CONFLICT,
            "domain " + name + " has " + accounts + (accounts == 1 ? " account" : " accounts")
                + "; delete them first");
      }
      try (PreparedStatement delete = connection.prepareStatement("DELETE FROM domain WHERE name = ?")) {
        delete.setString(1, name);
        delete.executeUpdate();
      }
      return null;
    });
  }

  /** The hosted domains, sorted. */
  public List<String> domains() throws StoreException {
    return readers.read("listing domains", connection -> {
      try (PreparedStatement select =
          connection.prepareStatement("SELECT name FROM domain ORDER BY name")) {
        return strings(select);
      }
    });
  }

  // ---- Accounts ----------------------------------------------------------------------------------

  /**
   * Creates the account {@code address} (lower-cased) in its domain, which must have been added
   * ({@code NOT_FOUND} otherwise). {@code CONFLICT} if it exists. The account may send as its own
   * address from the start (RFC 6409 §4.2 leaves the mapping to the server; this is the usual one).
   */
  public Account create(String address, Credentials credentials, FromHeaderPolicy fromHeader)
      throws StoreException {
    String login = accountAddress(address);
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(fromHeader, "fromHeader");
    String domain = domainOf(login);
    return writer.write("creating account " + login, connection -> {
      if (!domainExists(connection, domain)) {
        throw new StoreException(StoreException.Kind.NOT_FOUND,
            "domain " + domain + " not found; add it before creating account " + login);
      }
      if (selectAccount(connection, login).isPresent()) {
        throw new StoreException(StoreException.Kind.CONFLICT, "account " + login + " already exists");
      }
      long id;
      try (PreparedStatement insert = connection.prepareStatement(
          """
          INSERT INTO account (address, domain, argon2id, scram_sha256, cram_md5, disabled,
                               from_header, created_at, credential_generation)
          VALUES (?, ?, ?, ?, ?, 0, ?, ?, 0) RETURNING id""")) {
        insert.setString(1, login);
        insert.setString(2, domain);
        setCredentials(insert, 3, credentials);
        insert.setString(6, fromHeader.configName());
        insert.setLong(7, now());
        try (ResultSet rows = insert.executeQuery()) {
          rows.next();
          id = rows.getLong(1);
        }
      }
      insertSender(connection, id, login);
      return selectAccount(connection, login).orElseThrow();
    });
  }

  /** The account whose address is {@code address}, compared lower-case. */
  public Optional<Account> find(String address) throws StoreException {
    String login = lowerCase(Objects.requireNonNull(address, "address"));
    return readers.read("reading account " + login, connection -> selectAccount(connection, login));
  }

  /**
   * All accounts, or those of one hosted domain ({@code NOT_FOUND} if it is not hosted), sorted by
   * address.
   */
  public List<Account> list(Optional<String> domain) throws StoreException {
    Optional<String> name = Objects.requireNonNull(domain, "domain").map(Accounts::domainName);
    String action = name.map(n -> "listing accounts of domain " + n).orElse("listing accounts");
    return readers.read(action, connection -> {
      if (name.isPresent() && !domainExists(connection, name.get())) {
        throw domainNotFound(name.get());
      }
      String sql = "SELECT " + ACCOUNT_COLUMNS + " FROM account"
          + (name.isPresent() ? " WHERE domain = ?" : "") + " ORDER BY address";
      try (PreparedStatement select = connection.prepareStatement(sql)) {
        if (name.isPresent()) {
          select.setString(1, name.get());
        }
        List<Account> accounts = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            accounts.add(account(rows));
          }
        }
        return accounts;
      }
    });
  }

  /** Replaces all of the account's credentials and bumps its credential generation. */
  public void setCredentials(String address, Credentials credentials) throws StoreException {
    String login = accountAddress(address);
    Objects.requireNonNull(credentials, "credentials");
    writer.write("setting credentials of account " + login, connection -> {
      try (PreparedStatement update = connection.prepareStatement(
          """
          UPDATE account SET argon2id = ?, scram_sha256 = ?, cram_md5 = ?,
                             credential_generation = credential_generation + 1
          WHERE address = ?""")) {
        setCredentials(update, 1, credentials);
        update.setString(4, login);
        requireOneAccount(update.executeUpdate(), login);
      }
      return null;
    });
  }

  /**
   * Disables or enables logins for the account. Bumps its credential generation either way, so a
   * cached successful verification from before no longer counts.
   */
  public void setDisabled(String address, boolean isDisabled) throws StoreException {
    String login = accountAddress(address);
    writer.write((isDisabled ? "disabling" : "enabling") + " account " + login, connection -> {
      try (PreparedStatement update = connection.prepareStatement(
          """
          UPDATE account SET disabled = ?, credential_generation = credential_generation + 1
          WHERE address = ?""")) {
        update.setInt(1, isDisabled ? 1 : 0);
        update.setString(2, login);
        requireOneAccount(update.executeUpdate(), login);
      }
      return null;
    });
  }

  /** Sets what submission does with a From: the account may not send as. Not a credential change. */
  public void setFromHeaderPolicy(String address, FromHeaderPolicy policy) throws StoreException {
    String login = accountAddress(address);
    Objects.requireNonNull(policy, "policy");
    writer.write("setting the From: policy of account " + login, connection -> {
      try (PreparedStatement update =
          connection.prepareStatement("UPDATE account SET from_header = ? WHERE address = ?")) {
        update.setString(1, policy.configName());
        update.setString(2, login);
        requireOneAccount(update.executeUpdate(), login);
      }
      return null;
    });
  }

  /**
   * Deletes the account with its senders, app passwords and API keys (ON DELETE CASCADE in V2, V9)
   * and its webhook endpoints with their delivery logs ({@link Webhooks#removeAll}), in one
   * transaction; returns how many webhook endpoints went.
   */
  public int delete(String address) throws StoreException {
    String login = accountAddress(address);
    return writer.write("deleting account " + login, connection -> {
      try (PreparedStatement delete =
          connection.prepareStatement("DELETE FROM account WHERE address = ?")) {
        delete.setString(1, login);
        requireOneAccount(delete.executeUpdate(), login);
      }
      return Webhooks.removeAll(connection, login);
    });
  }

  /**
   * Notes a successful login, written in the background: returns at once, never throws, and a
   * burst of logins becomes one write (the last time wins). Flushed by {@link Store#close()}.
   */
  public void recordLogin(String address, Instant at) {
    if (address == null || at == null) {
      log.warn("recordLogin without {}; ignored", address == null ? "an address" : "a time");
      return;
    }
    try {
      recorder.recordLogin(lowerCase(address), at.toEpochMilli());
    } catch (ArithmeticException e) {
      log.warn("last login of {} not recorded: time {} out of range", address, at);
    }
  }

  // ---- Senders -----------------------------------------------------------------------------------

  /**
   * Lets the account send as {@code sender}: an address {@code local@domain}, or {@code @domain} for
   * every address of a domain (as Postfix's smtpd_sender_login_maps). Lower-cased; {@code CONFLICT}
   * if already allowed.
   */
  public void addSender(String address, String sender) throws StoreException {
    String login = accountAddress(address);
    String allowed = senderPattern(sender);
    writer.write("letting account " + login + " send as " + allowed, connection -> {
      long id = requireAccountId(connection, login);
      if (senderExists(connection, id, allowed)) {
        throw new StoreException(StoreException.Kind.CONFLICT,
            "account " + login + " may already send as " + allowed);
      }
      insertSender(connection, id, allowed);
      return null;
    });
  }

  /** Withdraws one sender. {@code NOT_FOUND} if the account or that sender is absent. */
  public void removeSender(String address, String sender) throws StoreException {
    String login = accountAddress(address);
    String allowed = senderPattern(sender);
    writer.write("removing sender " + allowed + " of account " + login, connection -> {
      long id = requireAccountId(connection, login);
      try (PreparedStatement delete = connection.prepareStatement(
          "DELETE FROM account_sender WHERE account_id = ? AND sender = ?")) {
        delete.setLong(1, id);
        delete.setString(2, allowed);
        if (delete.executeUpdate() == 0) {
          throw new StoreException(StoreException.Kind.NOT_FOUND,
              "account " + login + " has no sender " + allowed);
        }
      }
      return null;
    });
  }

  /** The addresses and {@code @domain}s the account may send as, sorted. */
  public List<String> senders(String address) throws StoreException {
    String login = lowerCase(Objects.requireNonNull(address, "address"));
    return readers.read("listing senders of account " + login, connection -> {
      long id = requireAccountId(connection, login);
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT sender FROM account_sender WHERE account_id = ? ORDER BY sender")) {
        select.setLong(1, id);
        return strings(select);
      }
    });
  }

  /**
   * Whether the account may use {@code sender} as its envelope sender or From: (RFC 6409 §4.2,
   * §8.1): an exact address it holds or an {@code @domain} it holds, compared lower-case. False for
   * an unknown account, the null reverse-path and anything that is not {@code local@domain}.
   */
  public boolean maySendAs(String address, String sender) throws StoreException {
    if (address == null || sender == null) {
      return false;
    }
    String login = lowerCase(address);
    String wanted = lowerCase(sender);
    int at = wanted.lastIndexOf('@');
    if (at <= 0 || at == wanted.length() - 1) {
      return false;
    }
    String wholeDomain = wanted.substring(at);
    return readers.read("checking whether account " + login + " may send as " + wanted,
        connection -> {
          try (PreparedStatement select = connection.prepareStatement(
              """
              SELECT 1 FROM account a JOIN account_sender s ON s.account_id = a.id
              WHERE a.address = ? AND s.sender IN (?, ?) LIMIT 1""")) {
            select.setString(1, login);
            select.setString(2, wanted);
            select.setString(3, wholeDomain);
            try (ResultSet rows = select.executeQuery()) {
              return rows.next();
            }
          }
        });
  }

  /** Asked at every RCPT to a hosted domain, strangers' included: two index lookups, no scan. */
  static final String SELECT_RECIPIENT = """
      SELECT 1 FROM account WHERE address = ?
      UNION ALL
      SELECT 1 FROM account_sender WHERE sender IN (?, ?)
      LIMIT 1""";

  /**
   * Whether mail to {@code address} has an owner here: an account with that address, or an account
   * that may send as it, exactly or by its {@code @domain} (the same table as {@link #maySendAs}:
   * an address an account sends as is one its replies come back to). Compared lower-case; a
   * disabled account still receives (disabling stops logins, not mail). False for anything that is
   * not {@code local@domain}.
   */
  public boolean isRecipient(String address) throws StoreException {
    if (address == null) {
      return false;
    }
    String wanted = lowerCase(address);
    int at = wanted.lastIndexOf('@');
    if (at <= 0 || at == wanted.length() - 1) {
      return false;
    }
    String wholeDomain = wanted.substring(at);
    return readers.read("checking whether " + wanted + " is a recipient", connection -> {
      try (PreparedStatement select = connection.prepareStatement(SELECT_RECIPIENT)) {
        select.setString(1, wanted);
        select.setString(2, wanted);
        select.setString(3, wholeDomain);
        try (ResultSet rows = select.executeQuery()) {
          return rows.next();
        }
      }
    });
  }

  // ---- App passwords -----------------------------------------------------------------------------

  /**
   * Stores a new app password of the account by its keyed hash (HMAC-SHA-256, 64 hex digits,
   * stored lower-case). {@code CONFLICT} if the account has one by that name, revoked or not: a name
   * keeps meaning one password in the history. Not a credential change: nothing cached can be stale.
   */
  public AppPassword addAppPassword(String address, String name, String keyedHash)
      throws StoreException {
    String login = accountAddress(address);
    String label = appPasswordName(name);
    String hash = keyedHash(keyedHash);
    return writer.write("adding app password \"" + label + "\" to account " + login, connection -> {
      long accountId = requireAccountId(connection, login);
      Optional<AppPassword> existing = selectAppPasswordByName(connection, accountId, label);
      if (existing.isPresent()) {
        throw new StoreException(StoreException.Kind.CONFLICT,
            "account " + login + " already has an app password named \"" + label + "\""
                + (existing.get().isActive() ? "" : " (revoked)"));
      }
      long id;
      try (PreparedStatement insert = connection.prepareStatement(
          """
          INSERT INTO app_password (account_id, name, keyed_hash, created_at)
          VALUES (?, ?, ?, ?) RETURNING id""")) {
        insert.setLong(1, accountId);
        insert.setString(2, label);
        insert.setString(3, hash);
        insert.setLong(4, now());
        try (ResultSet rows = insert.executeQuery()) {
          rows.next();
          id = rows.getLong(1);
        }
      }
      return selectAppPasswordByName(connection, accountId, label)
          .filter(stored -> stored.id() == id)
          .orElseThrow(() -> new StoreException(StoreException.Kind.UNAVAILABLE,
              "app password \"" + label + "\" of account " + login + " vanished after insert"));
    });
  }

  /** The account's app passwords, revoked ones included, oldest first. */
  public List<AppPassword> appPasswords(String address) throws StoreException {
    String login = lowerCase(Objects.requireNonNull(address, "address"));
    return readers.read("listing app passwords of account " + login, connection -> {
      long accountId = requireAccountId(connection, login);
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT " + APP_PASSWORD_COLUMNS + " FROM app_password WHERE account_id = ? ORDER BY id")) {
        select.setLong(1, accountId);
        List<AppPassword> passwords = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            passwords.add(appPassword(rows));
          }
        }
        return passwords;
      }
    });
  }

  /**
   * Revokes the account's active app password {@code name} ({@code NOT_FOUND} if there is none) and
   * bumps the account's credential generation, so a cached verification of it no longer counts.
   */
  public void revokeAppPassword(String address, String name) throws StoreException {
    String login = accountAddress(address);
    String label = appPasswordName(name);
    writer.write("revoking app password \"" + label + "\" of account " + login, connection -> {
      long accountId = requireAccountId(connection, login);
      try (PreparedStatement revoke = connection.prepareStatement(
          """
          UPDATE app_password SET revoked_at = ?
          WHERE account_id = ? AND name = ? AND revoked_at IS NULL""")) {
        revoke.setLong(1, now());
        revoke.setLong(2, accountId);
        revoke.setString(3, label);
        if (revoke.executeUpdate() == 0) {
          throw new StoreException(StoreException.Kind.NOT_FOUND,
              "account " + login + " has no active app password named \"" + label + "\"");
        }
      }
      try (PreparedStatement bump = connection.prepareStatement(
          "UPDATE account SET credential_generation = credential_generation + 1 WHERE id = ?")) {
        bump.setLong(1, accountId);
        bump.executeUpdate();
      }
      return null;
    });
  }

  /**
   * The account's active app password with this keyed hash, found through the index on (account,
   * hash) rather than by comparing each. A lookup by a keyed hash leaks nothing through timing that
   * could help a guesser: without the server secret the hash of a guess cannot be computed.
   */
  public Optional<AppPassword> findActiveAppPassword(String address, String keyedHash)
      throws StoreException {
    if (address == null || keyedHash == null) {
      return Optional.empty();
    }
    String login = lowerCase(address);
    String hash = lowerCase(keyedHash);
    return readers.read("looking up an app password of account " + login, connection -> {
      try (PreparedStatement select = connection.prepareStatement(
          """
          SELECT p.id, p.name, p.keyed_hash, p.created_at, p.last_used_at, p.revoked_at
          FROM account a JOIN app_password p ON p.account_id = a.id
          WHERE a.address = ? AND p.keyed_hash = ? AND p.revoked_at IS NULL""")) {
        select.setString(1, login);
        select.setString(2, hash);
        try (ResultSet rows = select.executeQuery()) {
          return rows.next() ? Optional.of(appPassword(rows)) : Optional.<AppPassword>empty();
        }
      }
    });
  }

  /** Notes a use of an app password, in the background like {@link #recordLogin}. */
  public void recordAppPasswordUse(long appPasswordId, Instant at) {
    if (at == null) {
      log.warn("recordAppPasswordUse without a time; ignored");
      return;
    }
    try {
      recorder.recordAppPasswordUse(appPasswordId, at.toEpochMilli());
    } catch (ArithmeticException e) {
      log.warn("use of app password {} not recorded: time {} out of range", appPasswordId, at);
    }
  }

  // ---- Server secret -----------------------------------------------------------------------------

  /**
   * The key for keyed hashes of generated credentials: 32 random octets, created on the first call
   * and kept in the store, so the same on every later call, after restarts and in every process on
   * this store. Returns a copy.
   */
  public byte[] serverSecret() throws StoreException {
    byte[] known = serverSecret;
    if (known == null) {
      Optional<byte[]> stored = readers.read("reading the server secret", Accounts::selectSecret);
      known = stored.isPresent() ? stored.get() : createServerSecret();
      serverSecret = known;
    }
    return known.clone();
  }

  private byte[] createServerSecret() throws StoreException {
    return writer.write("creating the server secret", connection -> {
      // Another process may have created it since our read; the write lock settles who wins.
      Optional<byte[]> stored = selectSecret(connection);
      if (stored.isPresent()) {
        return stored.get();
      }
      byte[] secret = new byte[SERVER_SECRET_BYTES];
      random.nextBytes(secret);
      try (PreparedStatement insert =
          connection.prepareStatement("INSERT INTO server_secret (id, secret) VALUES (1, ?)")) {
        insert.setBytes(1, secret);
        insert.executeUpdate();
      }
      log.info("server secret created");
      return secret;
    });
  }

  private static Optional<byte[]> selectSecret(Connection connection)
      throws SQLException, StoreException {
    try (PreparedStatement select =
            connection.prepareStatement("SELECT secret FROM server_secret WHERE id = 1");
        ResultSet rows = select.executeQuery()) {
      if (!rows.next()) {
        return Optional.empty();
      }
      byte[] secret = rows.getBytes(1);
      if (secret == null || secret.length != SERVER_SECRET_BYTES) {
        // The length only: the value is a secret.
        throw new StoreException(StoreException.Kind.CORRUPT, "stored server secret has "
            + (secret == null ? 0 : secret.length) + " octets, expected " + SERVER_SECRET_BYTES);
      }
      return Optional.of(secret);
    }
  }

  // ---- Rows --------------------------------------------------------------------------------------

  private static Optional<Account> selectAccount(Connection connection, String login)
      throws SQLException, StoreException {
    try (PreparedStatement select = connection.prepareStatement(
        "SELECT " + ACCOUNT_COLUMNS + " FROM account WHERE address = ?")) {
      select.setString(1, login);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next() ? Optional.of(account(rows)) : Optional.empty();
      }
    }
  }

  private static Account account(ResultSet row) throws SQLException, StoreException {
    String address = row.getString("address");
    String fromHeader = row.getString("from_header");
    FromHeaderPolicy policy = FromHeaderPolicy.parse(fromHeader)
        .orElseThrow(() -> new StoreException(StoreException.Kind.CORRUPT,
            "account " + address + " has an unknown From: policy \"" + fromHeader + "\""));
    return new Account(
        row.getLong("id"),
        address,
        row.getString("domain"),
        new Credentials(
            credential(row, "argon2id"), credential(row, "scram_sha256"), credential(row, "cram_md5")),
        row.getInt("disabled") != 0,
        policy,
        Instant.ofEpochMilli(row.getLong("created_at")),
        optionalInstant(row, "last_login_at"),
        row.getLong("credential_generation"));
  }

  private static Optional<AppPassword> selectAppPasswordByName(
      Connection connection, long accountId, String name) throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(
        "SELECT " + APP_PASSWORD_COLUMNS + " FROM app_password WHERE account_id = ? AND name = ?")) {
      select.setLong(1, accountId);
      select.setString(2, name);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next() ? Optional.of(appPassword(rows)) : Optional.empty();
      }
    }
  }

  private static AppPassword appPassword(ResultSet row) throws SQLException {
    return new AppPassword(
        row.getLong("id"),
        row.getString("name"),
        row.getString("keyed_hash"),
        Instant.ofEpochMilli(row.getLong("created_at")),
        optionalInstant(row, "last_used_at"),
        optionalInstant(row, "revoked_at"));
  }

  private static Optional<String> credential(ResultSet row, String column) throws SQLException {
    return Optional.ofNullable(row.getString(column)).filter(value -> !value.isEmpty());
  }

  static Optional<Instant> optionalInstant(ResultSet row, String column)
      throws SQLException {
    long millis = row.getLong(column);
    return row.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(millis));
  }

  private static List<String> strings(PreparedStatement select) throws SQLException {
    List<String> values = new ArrayList<>();
    try (ResultSet rows = select.executeQuery()) {
      while (rows.next()) {
        values.add(rows.getString(1));
      }
    }
    return values;
  }

  private static void setCredentials(PreparedStatement statement, int first, Credentials credentials)
      throws SQLException {
    setOptional(statement, first, credentials.argon2id());
    setOptional(statement, first + 1, credentials.scramSha256());
    setOptional(statement, first + 2, credentials.cramMd5());
  }

  private static void setOptional(PreparedStatement statement, int index, Optional<String> value)
      throws SQLException {
    if (value.isPresent()) {
      statement.setString(index, value.get());
    } else {
      statement.setNull(index, Types.VARCHAR);
    }
  }

  private static boolean domainExists(Connection connection, String name) throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement("SELECT 1 FROM domain WHERE name = ?")) {
      select.setString(1, name);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next();
      }
    }
  }

  private static long requireAccountId(Connection connection, String login)
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

  private static boolean senderExists(Connection connection, long accountId, String sender)
      throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(
        "SELECT 1 FROM account_sender WHERE account_id = ? AND sender = ?")) {
      select.setLong(1, accountId);
      select.setString(2, sender);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next();
      }
    }
  }

  private static void insertSender(Connection connection, long accountId, String sender)
      throws SQLException {
    try (PreparedStatement insert = connection.prepareStatement(
        "INSERT INTO account_sender (account_id, sender) VALUES (?, ?)")) {
      insert.setLong(1, accountId);
      insert.setString(2, sender);
      insert.executeUpdate();
    }
  }

  private static void requireOneAccount(int updated, String login) throws StoreException {
    if (updated == 0) {
      throw accountNotFound(login);
    }
  }

  private static StoreException accountNotFound(String login) {
    return new StoreException(StoreException.Kind.NOT_FOUND, "account " + login + " not found");
  }

  private static StoreException domainNotFound(String name) {
    return new StoreException(StoreException.Kind.NOT_FOUND, "domain " + name + " not found");
  }

  private long now() {
    return clock.millis();
  }

  // ---- Input -------------------------------------------------------------------------------------

  private static String lowerCase(String text) {
    return text.toLowerCase(Locale.ROOT);
  }

  // The rules below are public as values so that a caller holding user input (the admin CLI) can
  // refuse it with the reason before calling a change, which throws for it.

  /**
   * What is wrong with {@code address} as an account address, or empty when a change takes it:
   * {@code local@domain} (the domain after the last {@code @}) without spaces or control characters.
   */
  public static Optional<String> addressProblem(String address) {
    Objects.requireNonNull(address, "address");
    int at = address.lastIndexOf('@');
    if (at <= 0 || hasSpaceOrControl(address)) {
      return Optional.of("account address \"" + address + "\" is not local@domain without spaces");
    }
    return domainProblem(address.substring(at + 1), address);
  }

  /**
   * What is wrong with {@code domain} as a hosted domain, or empty when a change takes it: no
   * {@code @}, no dot at either end, no spaces or control characters. (Whether it is a well-formed
   * DNS name is the caller's rule: the store keeps what it is given.)
   */
  public static Optional<String> domainProblem(String domain) {
    Objects.requireNonNull(domain, "domain");
    return domainProblem(domain, domain);
  }

  /** What is wrong with {@code sender} as an address an account may send as, or empty. */
  public static Optional<String> senderProblem(String sender) {
    Objects.requireNonNull(sender, "sender");
    boolean isDomain = sender.startsWith("@");
    if ((isDomain ? domainProblem(sender.substring(1)) : addressProblem(sender)).isPresent()) {
      return Optional.of("sender \"" + sender + "\" is neither local@domain nor @domain");
    }
    return Optional.empty();
  }

  /** What is wrong with {@code name} as an app password's name, or empty. */
  public static Optional<String> appPasswordNameProblem(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank() || name.chars().anyMatch(Character::isISOControl)) {
      return Optional.of("app password name \"" + name + "\" is blank or has control characters");
    }
    return Optional.empty();
  }

  /** A login: {@code local@domain}, lower-cased; the domain is after the last {@code @}. */
  private static String accountAddress(String address) {
    return valid(addressProblem(address), lowerCase(address));
  }

  private static String domainOf(String login) {
    return login.substring(login.lastIndexOf('@') + 1);
  }

  private static String domainName(String domain) {
    return valid(domainProblem(domain), lowerCase(domain));
  }

  private static Optional<String> domainProblem(String name, String input) {
    if (name.isEmpty() || name.indexOf('@') >= 0 || name.startsWith(".") || name.endsWith(".")
        || hasSpaceOrControl(name)) {
      return Optional.of("\"" + input + "\" does not name a domain");
    }
    return Optional.empty();
  }

  /** {@code local@domain} or {@code @domain}, lower-cased. */
  private static String senderPattern(String sender) {
    return valid(senderProblem(sender), lowerCase(sender));
  }

  private static String appPasswordName(String name) {
    return valid(appPasswordNameProblem(name), name);
  }

  /** {@code value} when there is no problem; malformed input to a change is a caller's bug. */
  static String valid(Optional<String> problem, String value) {
    if (problem.isPresent()) {
      throw new IllegalArgumentException(problem.get());
    }
    return value;
  }

  /** A keyed hash as stored (lower-case); malformed is a caller's bug. Shared with {@link ApiKeys}. */
  static String keyedHash(String keyedHash) {
    Objects.requireNonNull(keyedHash, "keyedHash");
    // The value is not echoed: it is derived from a secret.
    if (keyedHash.length() != KEYED_HASH_HEX_DIGITS
        || !keyedHash.chars().allMatch(Accounts::isHexDigit)) {
      throw new IllegalArgumentException(
          "keyed hash must be " + KEYED_HASH_HEX_DIGITS + " hex digits (HMAC-SHA-256), got "
              + keyedHash.length() + " characters");
    }
    return lowerCase(keyedHash);
  }

  // ASCII only: Character.digit would also take other scripts' digits.
  private static boolean isHexDigit(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static boolean hasSpaceOrControl(String text) {
    return text.chars().anyMatch(c -> c <= ' ' || Character.isISOControl(c) || Character.isWhitespace(c));
  }
}
