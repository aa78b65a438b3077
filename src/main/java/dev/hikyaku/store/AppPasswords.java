package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accounts' app passwords, stored by keyed hash only (see {@link AppPassword}). Changes are admin
 * operations, each one short transaction on the store's account connection, as in {@link Accounts};
 * malformed input to a change is an {@link IllegalArgumentException} ({@link
 * Names#appPasswordNameProblem} says beforehand). {@link #findActive} takes client input and never
 * throws for it.
 */
public final class AppPasswords {

  private static final Logger log = LoggerFactory.getLogger(AppPasswords.class);
  private static final String COLUMNS = "id, name, keyed_hash, created_at, last_used_at, revoked_at";

  private final AccountWriter writer;
  private final ReadConnections readers;
  private final LastUseRecorder recorder;
  private final Clock clock;

  AppPasswords(AccountWriter writer, ReadConnections readers, LastUseRecorder recorder, Clock clock) {
    this.writer = writer;
    this.readers = readers;
    this.recorder = recorder;
    this.clock = clock;
  }

  /**
   * Stores a new app password of the account by its keyed hash (HMAC-SHA-256, 64 hex digits,
   * stored lower-case). {@code CONFLICT} if the account has one by that name, revoked or not: a name
   * keeps meaning one password in the history. Not a credential change: nothing cached can be stale.
   */
  public AppPassword add(String address, String name, String keyedHash) throws StoreException {
    String login = Names.accountAddress(address);
    String label = Names.appPasswordName(name);
    String hash = Names.keyedHash(keyedHash);
    return writer.write("adding app password \"" + label + "\" to account " + login, connection -> {
      long accountId = Rows.requireAccountId(connection, login);
      Optional<AppPassword> existing = selectByName(connection, accountId, label);
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
        insert.setLong(4, clock.millis());
        try (ResultSet rows = insert.executeQuery()) {
          rows.next();
          id = rows.getLong(1);
        }
      }
      return selectByName(connection, accountId, label)
          .filter(stored -> stored.id() == id)
          .orElseThrow(() -> new StoreException(StoreException.Kind.UNAVAILABLE,
              "app password \"" + label + "\" of account " + login + " vanished after insert"));
    });
  }

  /** The account's app passwords, revoked ones included, oldest first. */
  public List<AppPassword> list(String address) throws StoreException {
    String login = Names.lowerCase(Objects.requireNonNull(address, "address"));
    return readers.read("listing app passwords of account " + login, connection -> {
      long accountId = Rows.requireAccountId(connection, login);
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT " + COLUMNS + " FROM app_password WHERE account_id = ? ORDER BY id")) {
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
  public void revoke(String address, String name) throws StoreException {
    String login = Names.accountAddress(address);
    String label = Names.appPasswordName(name);
    writer.write("revoking app password \"" + label + "\" of account " + login, connection -> {
      long accountId = Rows.requireAccountId(connection, login);
      try (PreparedStatement revoke = connection.prepareStatement(
          """
          UPDATE app_password SET revoked_at = ?
          WHERE account_id = ? AND name = ? AND revoked_at IS NULL""")) {
        revoke.setLong(1, clock.millis());
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
  public Optional<AppPassword> findActive(String address, String keyedHash) throws StoreException {
    if (address == null || keyedHash == null) {
      return Optional.empty();
    }
    String login = Names.lowerCase(address);
    String hash = Names.lowerCase(keyedHash);
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

  /** Notes a use of an app password, in the background like {@link Accounts#recordLogin}. */
  public void recordUse(long appPasswordId, Instant at) {
    if (at == null) {
      log.warn("app password use without a time; ignored");
      return;
    }
    try {
      recorder.recordAppPasswordUse(appPasswordId, at.toEpochMilli());
    } catch (ArithmeticException e) {
      log.warn("use of app password {} not recorded: time {} out of range", appPasswordId, at);
    }
  }

  private static Optional<AppPassword> selectByName(
      Connection connection, long accountId, String name) throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(
        "SELECT " + COLUMNS + " FROM app_password WHERE account_id = ? AND name = ?")) {
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
        Rows.optionalInstant(row, "last_used_at"),
        Rows.optionalInstant(row, "revoked_at"));
  }
}
