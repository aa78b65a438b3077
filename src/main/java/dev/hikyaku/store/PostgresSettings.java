package dev.hikyaku.store;

import java.net.URI;
import java.util.Objects;

/**
 * Where the shared PostgreSQL store is and how to log in to it.
 *
 * @param url the JDBC URL, {@code jdbc:postgresql://host:port/database}
 * @param user the role to log in as
 * @param password its password (read from a file by the caller; never printed: see {@link #toString})
 * @param pool read connections this node keeps at most, beside its two writing connections
 */
public record PostgresSettings(String url, String user, String password, int pool) {

  public PostgresSettings {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    if (!url.startsWith("jdbc:postgresql://")) {
      throw new IllegalArgumentException("not a PostgreSQL JDBC URL: " + safeName(url));
    }
    if (pool < 1) {
      throw new IllegalArgumentException("pool must be at least 1, got " + pool);
    }
  }

  /** The URL without its query (which may carry a password), for logs and errors. */
  String safeName() {
    return safeName(url);
  }

  private static String safeName(String url) {
    int query = url.indexOf('?');
    String withoutQuery = query < 0 ? url : url.substring(0, query);
    try {
      URI uri = URI.create(withoutQuery.substring("jdbc:".length()));
      // user:password@host in the authority is dropped too
      return "postgresql://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) + uri.getPath();
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      return "postgresql://(unreadable url)";
    }
  }

  @Override
  public String toString() {
    return "PostgresSettings[" + safeName() + ", user=" + user + ", pool=" + pool + "]";
  }
}
