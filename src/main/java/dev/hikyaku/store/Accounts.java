package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
 * The accounts that log in with SMTP AUTH (RFC 4954) on the submission ports, and the addresses each
 * may send as. Their domains are {@link Domains}, their app passwords {@link AppPasswords}, the key
 * for keyed hashes {@link ServerSecret}.
 *
 * <p>Addresses, domains and senders are compared whole and lower-case ({@link Locale#ROOT}): the
 * login is the account's address, and a client typing {@code Alice@Example.COM} means the same
 * account. Credential strings and hashes are opaque here; {@code dev.hikyaku.auth} makes and checks
 * them.
 *
 * <p>Changes are admin operations, each one short transaction on the store's account connection;
 * another process (the CLI) may make them while the server runs, and the server sees them at its next
 * read. Malformed input to a change is an {@link IllegalArgumentException} naming it, a caller's
 * bug: {@link Names} says beforehand what a change would refuse. Lookups that take client input
 * ({@link #find}, {@link #maySendAs}, {@link #isRecipient}) never throw for it and simply find
 * nothing.
 */
public final class Accounts {

  private static final Logger log = LoggerFactory.getLogger(Accounts.class);

  private static final String ACCOUNT_COLUMNS =
      """
      id, address, domain, argon2id, scram_sha256, cram_md5, disabled, from_header, created_at,
      last_login_at, credential_generation""";

  private final AccountWriter writer;
  private final ReadConnections readers;
  private final LastUseRecorder recorder;
  private final Clock clock;

  Accounts(AccountWriter writer, ReadConnections readers, LastUseRecorder recorder, Clock clock) {
    this.writer = writer;
    this.readers = readers;
    this.recorder = recorder;
    this.clock = clock;
  }

  // ---- Accounts ----------------------------------------------------------------------------------

  /**
   * Creates the account {@code address} (lower-cased) in its domain, which must have been added
   * ({@code NOT_FOUND} otherwise). {@code CONFLICT} if it exists. The account may send as its own
   * address from the start (RFC 6409 §4.2 leaves the mapping to the server; this is the usual one).
   */
  public Account create(String address, Credentials credentials, FromHeaderPolicy fromHeader)
      throws StoreException {
    String login = Names.accountAddress(address);
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(fromHeader, "fromHeader");
    String domain = Names.domainOf(login);
    return writer.write("creating account " + login, connection -> {
      if (!Rows.domainExists(connection, domain)) {
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
    String login = Names.lowerCase(Objects.requireNonNull(address, "address"));
    return readers.read("reading account " + login, connection -> selectAccount(connection, login));
  }

  /**
   * All accounts, or those of one hosted domain ({@code NOT_FOUND} if it is not hosted), sorted by
   * address.
   */
  public List<Account> list(Optional<String> domain) throws StoreException {
    Optional<String> name = Objects.requireNonNull(domain, "domain").map(Names::domainName);
    String action = name.map(n -> "listing accounts of domain " + n).orElse("listing accounts");
    return readers.read(action, connection -> {
      if (name.isPresent() && !Rows.domainExists(connection, name.get())) {
        throw Rows.domainNotFound(name.get());
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
    String login = Names.accountAddress(address);
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
    String login = Names.accountAddress(address);
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
    String login = Names.accountAddress(address);
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
    String login = Names.accountAddress(address);
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
      recorder.recordLogin(Names.lowerCase(address), at.toEpochMilli());
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
    String login = Names.accountAddress(address);
    String allowed = Names.senderPattern(sender);
    writer.write("letting account " + login + " send as " + allowed, connection -> {
      long id = Rows.requireAccountId(connection, login);
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
    String login = Names.accountAddress(address);
    String allowed = Names.senderPattern(sender);
    writer.write("removing sender " + allowed + " of account " + login, connection -> {
      long id = Rows.requireAccountId(connection, login);
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
    String login = Names.lowerCase(Objects.requireNonNull(address, "address"));
    return readers.read("listing senders of account " + login, connection -> {
      long id = Rows.requireAccountId(connection, login);
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT sender FROM account_sender WHERE account_id = ? ORDER BY sender")) {
        select.setLong(1, id);
        return Rows.strings(select);
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
    String login = Names.lowerCase(address);
    String wanted = Names.lowerCase(sender);
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
    String wanted = Names.lowerCase(address);
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
        Rows.optionalInstant(row, "last_login_at"),
        row.getLong("credential_generation"));
  }

  private static Optional<String> credential(ResultSet row, String column) throws SQLException {
    return Optional.ofNullable(row.getString(column)).filter(value -> !value.isEmpty());
  }

  private static void setCredentials(PreparedStatement statement, int first, Credentials credentials)
      throws SQLException {
    Rows.setOptional(statement, first, credentials.argon2id());
    Rows.setOptional(statement, first + 1, credentials.scramSha256());
    Rows.setOptional(statement, first + 2, credentials.cramMd5());
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
      throw Rows.accountNotFound(login);
    }
  }

  private long now() {
    return clock.millis();
  }
}
