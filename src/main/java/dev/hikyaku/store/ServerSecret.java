package dev.hikyaku.store;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key for keyed hashes of generated credentials (app passwords, API keys, return paths): 32
 * random octets, created on first use and kept in the store, so the same after restarts and in every
 * process on this store. The value is never logged, nor put in an exception message.
 */
public final class ServerSecret {

  private static final Logger log = LoggerFactory.getLogger(ServerSecret.class);
  private static final int SERVER_SECRET_BYTES = 32;

  private final AccountWriter writer;
  private final ReadConnections readers;
  private final SecureRandom random;
  // Never changes once created (the row is written once, by whichever process asks first).
  private volatile byte[] known;

  ServerSecret(AccountWriter writer, ReadConnections readers, SecureRandom random) {
    this.writer = writer;
    this.readers = readers;
    this.random = random;
  }

  /**
   * The secret, created on the first call and the same on every later call, after restarts and in
   * every process on this store. Returns a copy.
   */
  public byte[] value() throws StoreException {
    byte[] secret = known;
    if (secret == null) {
      Optional<byte[]> stored = readers.read("reading the server secret", ServerSecret::select);
      secret = stored.isPresent() ? stored.get() : create();
      known = secret;
    }
    return secret.clone();
  }

  private byte[] create() throws StoreException {
    return writer.write("creating the server secret", connection -> {
      // Another process may have created it since our read; the write lock settles who wins.
      Optional<byte[]> stored = select(connection);
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

  private static Optional<byte[]> select(Connection connection)
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
}
