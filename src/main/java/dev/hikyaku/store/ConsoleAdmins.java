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

/**
 * The accounts that may sign in to the operators' console (issue 20) and their TOTP secrets. Changes
 * are admin operations on the store's account connection, as in {@link Accounts}; {@link
 * #acceptStep} is the sign-in's, and makes each code good once across every node on the store.
 */
public final class ConsoleAdmins {

  private static final String COLUMNS = "c.account_id, a.address, c.totp_secret, c.last_step, c.created_at";
  private static final int MIN_SECRET_OCTETS = 16; // RFC 4226 §4 R6: at least 128 bits

  private final AccountWriter writer;
  private final ReadConnections readers;
  private final Clock clock;

  ConsoleAdmins(AccountWriter writer, ReadConnections readers, Clock clock) {
    this.writer = writer;
    this.readers = readers;
    this.clock = clock;
  }

  /**
   * Lets the account sign in to the console with {@code totpSecret} as its second factor; {@code
   * CONFLICT} when it may already (remove it first to give it a new secret), {@code NOT_FOUND}
   * without such an account.
   */
  public ConsoleAdmin add(String address, byte[] totpSecret) throws StoreException {
    String login = Names.accountAddress(address);
    if (totpSecret.length < MIN_SECRET_OCTETS) {
      throw new IllegalArgumentException("a TOTP secret has at least " + MIN_SECRET_OCTETS + " octets");
    }
    return writer.write("making account " + login + " a console admin", connection -> {
      long accountId = Rows.requireAccountId(connection, login);
      if (select(connection, login).isPresent()) {
        throw new StoreException(StoreException.Kind.CONFLICT, "account " + login + " is a console admin already");
      }
      try (PreparedStatement insert = connection.prepareStatement(
          "INSERT INTO console_admin (account_id, totp_secret, last_step, created_at) VALUES (?, ?, 0, ?)")) {
        insert.setLong(1, accountId);
        insert.setBytes(2, totpSecret);
        insert.setLong(3, clock.millis());
        insert.executeUpdate();
      }
      return select(connection, login).orElseThrow(() -> new StoreException(StoreException.Kind.UNAVAILABLE,
          "console admin " + login + " vanished after insert"));
    });
  }

  /** Takes the console away from the account; {@code NOT_FOUND} when it had none. */
  public void remove(String address) throws StoreException {
    String login = Names.accountAddress(address);
    writer.write("removing console admin " + login, connection -> {
      long accountId = Rows.requireAccountId(connection, login);
      try (PreparedStatement delete = connection.prepareStatement("DELETE FROM console_admin WHERE account_id = ?")) {
        delete.setLong(1, accountId);
        if (delete.executeUpdate() == 0) {
          throw new StoreException(StoreException.Kind.NOT_FOUND, "account " + login + " is not a console admin");
        }
      }
      return null;
    });
  }

  /** The console admins, by address. */
  public List<ConsoleAdmin> list() throws StoreException {
    return readers.read("listing console admins", connection -> {
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT " + COLUMNS + " FROM console_admin c JOIN account a ON a.id = c.account_id ORDER BY a.address")) {
        List<ConsoleAdmin> admins = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            admins.add(admin(rows));
          }
        }
        return admins;
      }
    });
  }

  /** The account's enrolment, if it is a console admin; client input, never throws for it. */
  public Optional<ConsoleAdmin> find(String address) throws StoreException {
    if (address == null) {
      return Optional.empty();
    }
    String login = Names.lowerCase(address);
    return readers.read("looking up console admin " + login, connection -> select(connection, login));
  }

  /**
   * Records that a code of {@code step} was accepted for the account, if no code of this step or a
   * later one was before: true when it was not, so the sign-in may go on; false for a replay (RFC
   * 6238 §5.2: the verifier must not accept the second attempt of the same OTP). One conditional
   * UPDATE, so two nodes cannot both accept it.
   */
  public boolean acceptStep(long accountId, long step) throws StoreException {
    return writer.write("recording a second factor of console admin " + accountId, connection -> {
      try (PreparedStatement update = connection.prepareStatement(
          "UPDATE console_admin SET last_step = ? WHERE account_id = ? AND last_step < ?")) {
        update.setLong(1, step);
        update.setLong(2, accountId);
        update.setLong(3, step);
        return update.executeUpdate() == 1;
      }
    });
  }

  private static Optional<ConsoleAdmin> select(Connection connection, String login) throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(
        "SELECT " + COLUMNS + " FROM console_admin c JOIN account a ON a.id = c.account_id WHERE a.address = ?")) {
      select.setString(1, Objects.requireNonNull(login));
      try (ResultSet rows = select.executeQuery()) {
        return rows.next() ? Optional.of(admin(rows)) : Optional.empty();
      }
    }
  }

  private static ConsoleAdmin admin(ResultSet rows) throws SQLException {
    return new ConsoleAdmin(rows.getLong(1), rows.getString(2), rows.getBytes(3), rows.getLong(4),
        Instant.ofEpochMilli(rows.getLong(5)));
  }
}
