package dev.hikyaku.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code store} section: where the queue, the accounts and the abuse state live. Without a
 * {@code url}, an embedded SQLite file in the data directory (one node). With one, a PostgreSQL
 * database that several identical nodes share (README "Running several nodes"). Described in
 * docs/configuration.md.
 *
 * @param url the PostgreSQL database, {@code postgresql://host[:port]/database}; empty for SQLite
 * @param user the role to log in as (required with a url)
 * @param passwordFile a file holding the role's password alone (never the password itself here, in
 *     the url or on a command line)
 * @param pool read connections a node keeps at most, beside its two writing connections
 * @param nodeId this node's name among the nodes sharing the database: unique, checked at start
 * @param lease how long a node holds delivery work it claimed without renewing the claim: a node
 *     that dies frees its work after at most this long (plus a poll)
 * @param poll how often an idle node looks for work other nodes accepted or left behind
 */
public record StoreConfig(
    Optional<String> url,
    Optional<String> user,
    Optional<Path> passwordFile,
    int pool,
    String nodeId,
    Duration lease,
    Duration poll) {

  public StoreConfig {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(passwordFile, "passwordFile");
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(lease, "lease");
    Objects.requireNonNull(poll, "poll");
    if (url.isPresent() && user.isEmpty()) {
      throw new IllegalArgumentException("store.user is required with store.url");
    }
    if (!NODE_ID.matcher(nodeId).matches()) {
      throw new IllegalArgumentException("store.node-id must be 1-63 letters, digits, '.', '-' or '_', was '" + nodeId + "'");
    }
  }

  static final String SECTION = "store";
  private static final String URL = "url";
  private static final String USER = "user";
  private static final String PASSWORD_FILE = "password-file";
  private static final String POOL = "pool";
  private static final String NODE_ID_KEY = "node-id";
  private static final String LEASE = "lease";
  private static final String POLL = "poll";
  static final List<String> KEYS = List.of(URL, USER, PASSWORD_FILE, POOL, NODE_ID_KEY, LEASE, POLL);

  private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._-]{1,63}");
  private static final int DEFAULT_POOL = 8;
  private static final int MAX_POOL = 200;
  // SCALE.md §2.3: a lease of 60 s renewed every 20 s; RFC 5321 lets one DATA end wait 10 minutes,
  // so a lease is renewed while its delivery runs rather than made that long.
  private static final Duration DEFAULT_LEASE = Duration.ofSeconds(60);
  private static final Duration MIN_LEASE = Duration.ofSeconds(3);
  private static final Duration MAX_LEASE = Duration.ofMinutes(15);
  private static final Duration DEFAULT_POLL = Duration.ofSeconds(1);
  private static final Duration MIN_POLL = Duration.ofMillis(50);
  private static final Duration MAX_POLL = Duration.ofMinutes(1);

  /** One node on SQLite; its node id is the host name (a PostgreSQL setup names each node). */
  static StoreConfig defaults(String hostname) {
    return new StoreConfig(Optional.empty(), Optional.empty(), Optional.empty(), DEFAULT_POOL,
        nodeIdFrom(hostname), DEFAULT_LEASE, DEFAULT_POLL);
  }

  /** Whether the store is a shared PostgreSQL database. */
  public boolean isShared() {
    return url.isPresent();
  }

  /** The url as a JDBC URL, {@code jdbc:postgresql://...}; only with {@link #isShared()}. */
  public String jdbcUrl() {
    return "jdbc:" + url.orElseThrow();
  }

  static StoreConfig read(Section store, String hostname) throws ConfigException {
    Optional<String> url = store.text(URL);
    if (url.isPresent()) {
      String problem = problemWith(url.get());
      if (problem != null) {
        throw store.error(URL, problem);
      }
    }
    Optional<String> user = store.text(USER);
    if (url.isPresent() && user.isEmpty()) {
      throw store.error(USER, "is required with " + store.path(URL));
    }
    if (url.isEmpty() && (user.isPresent() || store.has(PASSWORD_FILE))) {
      throw store.error(url.isEmpty() && user.isPresent() ? USER : PASSWORD_FILE,
          "belongs to a PostgreSQL store; set " + store.path(URL) + " too (without it the store is SQLite)");
    }
    String nodeId = store.text(NODE_ID_KEY).orElse(nodeIdFrom(hostname));
    if (!NODE_ID.matcher(nodeId).matches()) {
      throw store.error(NODE_ID_KEY, "must be 1-63 letters, digits, '.', '-' or '_', was '" + nodeId + "'");
    }
    Duration lease = store.duration(LEASE, DEFAULT_LEASE, MIN_LEASE, MAX_LEASE, "");
    Duration poll = store.duration(POLL, DEFAULT_POLL, MIN_POLL, MAX_POLL, "");
    if (poll.compareTo(lease) >= 0) {
      throw store.error(POLL, "must be less than " + store.path(LEASE) + " (" + DurationSyntax.format(lease)
          + "), was " + DurationSyntax.format(poll));
    }
    return new StoreConfig(url, user, store.file(PASSWORD_FILE), store.integer(POOL, DEFAULT_POOL, 1, MAX_POOL, ""),
        nodeId, lease, poll);
  }

  void write(ObjectNode store) {
    url.ifPresent(value -> store.put(URL, value));
    user.ifPresent(value -> store.put(USER, value));
    passwordFile.ifPresent(value -> store.put(PASSWORD_FILE, value.toString()));
    store.put(POOL, pool);
    store.put(NODE_ID_KEY, nodeId);
    store.put(LEASE, DurationSyntax.format(lease));
    store.put(POLL, DurationSyntax.format(poll));
  }

  /** Why {@code url} is not a usable PostgreSQL URL, or null when it is. */
  static String problemWith(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return "is not a URL (" + e.getReason() + ")";
    }
    if (!"postgresql".equals(uri.getScheme())) {
      return "must be postgresql://host[:port]/database";
    }
    if (uri.getRawUserInfo() != null || uri.getRawQuery() != null && uri.getRawQuery().contains("password")) {
      // A password in the url would be printed wherever the url is (config check, logs).
      return "must not hold a user or password: use store.user and store.password-file";
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      return "names no host: postgresql://host[:port]/database";
    }
    String path = uri.getPath();
    if (path == null || path.length() < 2 || path.indexOf('/', 1) >= 0) {
      return "names no database: postgresql://host[:port]/database";
    }
    return null;
  }

  /** The first label of the host name, as a node id; "node" when that is not one. */
  private static String nodeIdFrom(String hostname) {
    String label = hostname.contains(".") ? hostname.substring(0, hostname.indexOf('.')) : hostname;
    return NODE_ID.matcher(label).matches() ? label : "node";
  }
}
