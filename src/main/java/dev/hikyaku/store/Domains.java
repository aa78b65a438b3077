package dev.hikyaku.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.List;

/**
 * The hosted domains: the domains accounts live in ({@link Accounts#create} needs its domain here).
 * Names are kept lower-case by the rule of {@link Names#domainProblem}. Changes are admin
 * operations, each one short transaction on the store's account connection, as in {@link Accounts}.
 */
public final class Domains {

  private final AccountWriter writer;
  private final ReadConnections readers;
  private final Clock clock;

  Domains(AccountWriter writer, ReadConnections readers, Clock clock) {
    this.writer = writer;
    this.readers = readers;
    this.clock = clock;
  }

  /** Adds a hosted domain, lower-cased. {@code CONFLICT} if it is already there. */
  public void add(String domain) throws StoreException {
    String name = Names.domainName(domain);
    writer.write("adding domain " + name, connection -> {
      if (Rows.domainExists(connection, name)) {
        throw new StoreException(StoreException.Kind.CONFLICT, "domain " + name + " already exists");
      }
      try (PreparedStatement insert =
          connection.prepareStatement("INSERT INTO domain (name, created_at) VALUES (?, ?)")) {
        insert.setString(1, name);
        insert.setLong(2, clock.millis());
        insert.executeUpdate();
      }
      return null;
    });
  }

  /**
   * Removes a hosted domain. {@code NOT_FOUND} if absent; {@code CONFLICT}, with the count, while
   * accounts live in it: deleting them is a decision the operator makes one account at a time.
   */
  public void remove(String domain) throws StoreException {
    String name = Names.domainName(domain);
    writer.write("removing domain " + name, connection -> {
      if (!Rows.domainExists(connection, name)) {
        throw Rows.domainNotFound(name);
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
  public List<String> list() throws StoreException {
    return readers.read("listing domains", connection -> {
      try (PreparedStatement select =
          connection.prepareStatement("SELECT name FROM domain ORDER BY name")) {
        return Rows.strings(select);
      }
    });
  }
}
