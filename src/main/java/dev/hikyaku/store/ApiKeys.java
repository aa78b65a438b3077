package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API keys: generated credentials of applications, each acting for one account (see {@link ApiKey}).
 * Stored by keyed hash only, like app passwords; {@code dev.hikyaku.auth} makes and checks the keys.
 *
 * <p>Changes are admin operations, each one short transaction on the store's account connection, as
 * in {@link Accounts}. Malformed input to a change is an {@link IllegalArgumentException}: {@link
 * #nameProblem} and {@link Names#senderProblem} say beforehand what a change would refuse.
 * {@link #find} takes client input and never throws for it.
 */
public final class ApiKeys {

  private static final Logger log = LoggerFactory.getLogger(ApiKeys.class);
  private static final String COLUMNS =
      """
      k.id, k.name, a.address, k.keyed_hash, k.scopes, k.senders, k.allowed_networks,
      k.messages_per_minute, k.messages_per_day, k.created_at, k.last_used_at, k.revoked_at""";
  private static final String FROM = " FROM api_key k JOIN account a ON a.id = k.account_id";

  private final AccountWriter writer;
  private final ReadConnections readers;
  private final LastUseRecorder recorder;
  private final Clock clock;

  ApiKeys(AccountWriter writer, ReadConnections readers, LastUseRecorder recorder, Clock clock) {
    this.writer = writer;
    this.readers = readers;
    this.recorder = recorder;
    this.clock = clock;
  }

  /**
   * Stores a new key named {@code name} for the account {@code address}. {@code NOT_FOUND} if the
   * account does not exist; {@code CONFLICT} if a key by that name exists, revoked or not (a name
   * keeps meaning one key in the history), or if a sender is not one the account may use (a key
   * narrows its account's rights, never widens them).
   *
   * @param scopes at least one
   * @param senders {@code local@domain} or {@code @domain}; empty for whatever the account may use
   * @param allowedNetworks CIDR blocks, kept as given (the caller parses them); empty for anywhere
   * @param limits the key's own sending limits, {@link ApiKey.Limits#NONE} for the account's only
   */
  public ApiKey add(
      String address,
      String name,
      String keyedHash,
      Set<ApiKey.Scope> scopes,
      List<String> senders,
      List<String> allowedNetworks,
      ApiKey.Limits limits)
      throws StoreException {
    Objects.requireNonNull(limits, "limits");
    String login = lowerCase(Names.valid(Names.addressProblem(Objects.requireNonNull(address, "address")), address));
    String label = Names.valid(nameProblem(name), name);
    String hash = Names.keyedHash(keyedHash);
    if (scopes.isEmpty()) {
      throw new IllegalArgumentException("an API key needs at least one scope");
    }
    List<String> allowed =
        senders.stream().map(s -> lowerCase(Names.valid(Names.senderProblem(s), s))).distinct().sorted().toList();
    List<String> networks = allowedNetworks.stream().map(n -> Names.valid(networkProblem(n), n)).toList();
    return writer.write("adding API key \"" + label + "\" for account " + login, connection -> {
      long accountId = Rows.requireAccountId(connection, login);
      Optional<ApiKey> existing = selectByName(connection, label);
      if (existing.isPresent()) {
        throw new StoreException(StoreException.Kind.CONFLICT,
            "an API key named \"" + label + "\" already exists"
                + (existing.get().isActive() ? "" : " (revoked)"));
      }
      for (String sender : allowed) {
        if (!accountMayUse(connection, accountId, sender)) {
          throw new StoreException(StoreException.Kind.CONFLICT,
              "account " + login + " may not send as " + sender + "; a key cannot allow more than its account");
        }
      }
      try (PreparedStatement insert = connection.prepareStatement(
          """
          INSERT INTO api_key (name, account_id, keyed_hash, scopes, senders, allowed_networks,
                               messages_per_minute, messages_per_day, created_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
        insert.setString(1, label);
        insert.setLong(2, accountId);
        insert.setString(3, hash);
        insert.setString(4, scopes.stream().sorted().map(ApiKey.Scope::configName).collect(Collectors.joining(" ")));
        insert.setString(5, String.join(" ", allowed));
        insert.setString(6, String.join(" ", networks));
        setOptionalInt(insert, 7, limits.messagesPerMinute());
        setOptionalInt(insert, 8, limits.messagesPerDay());
        insert.setLong(9, clock.millis());
        insert.executeUpdate();
      }
      return selectByName(connection, label).orElseThrow(() -> new StoreException(
          StoreException.Kind.UNAVAILABLE, "API key \"" + label + "\" vanished after insert"));
    });
  }

  /**
   * All keys, or those of one account ({@code NOT_FOUND} if it does not exist), revoked ones
   * included, oldest first.
   */
  public List<ApiKey> list(Optional<String> address) throws StoreException {
    Optional<String> login = Objects.requireNonNull(address, "address").map(ApiKeys::lowerCase);
    String action = login.map(l -> "listing API keys of account " + l).orElse("listing API keys");
    return readers.read(action, connection -> {
      if (login.isPresent()) {
        Rows.requireAccountId(connection, login.get());
      }
      String sql = "SELECT " + COLUMNS + FROM + (login.isPresent() ? " WHERE a.address = ?" : "") + " ORDER BY k.id";
      try (PreparedStatement select = connection.prepareStatement(sql)) {
        if (login.isPresent()) {
          select.setString(1, login.get());
        }
        return keys(select);
      }
    });
  }

  /** Revokes the active key {@code name}; {@code NOT_FOUND} if there is none. */
  public ApiKey revoke(String name) throws StoreException {
    String label = Names.valid(nameProblem(name), name);
    return writer.write("revoking API key \"" + label + "\"", connection -> {
      try (PreparedStatement revoke = connection.prepareStatement(
          "UPDATE api_key SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL")) {
        revoke.setLong(1, clock.millis());
        revoke.setString(2, label);
        if (revoke.executeUpdate() == 0) {
          throw new StoreException(StoreException.Kind.NOT_FOUND, "no active API key named \"" + label + "\"");
        }
      }
      return selectByName(connection, label).orElseThrow();
    });
  }

  /**
   * The key with this keyed hash, revoked or not (so a refusal can name it), found through the
   * index rather than by comparing each: a guesser without the server secret cannot compute the
   * hash of a guess, so timing tells nothing.
   */
  public Optional<ApiKey> find(String keyedHash) throws StoreException {
    if (keyedHash == null) {
      return Optional.empty();
    }
    String hash = lowerCase(keyedHash);
    return readers.read("looking up an API key", connection -> {
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT " + COLUMNS + FROM + " WHERE k.keyed_hash = ? ORDER BY k.revoked_at IS NULL DESC, k.id DESC")) {
        select.setString(1, hash);
        List<ApiKey> found = keys(select);
        return found.isEmpty() ? Optional.<ApiKey>empty() : Optional.of(found.getFirst());
      }
    });
  }

  /** The active key with this keyed hash: {@link #find} without revoked keys. */
  public Optional<ApiKey> findActive(String keyedHash) throws StoreException {
    return find(keyedHash).filter(ApiKey::isActive);
  }

  /** Notes a use of a key, in the background like {@link Accounts#recordLogin}. */
  public void recordUse(long apiKeyId, Instant at) {
    if (at == null) {
      log.warn("recordUse without a time; ignored");
      return;
    }
    try {
      recorder.recordApiKeyUse(apiKeyId, at.toEpochMilli());
    } catch (ArithmeticException e) {
      log.warn("use of API key {} not recorded: time {} out of range", apiKeyId, at);
    }
  }

  /** What is wrong with {@code name} as an API key's name, or empty: one word of printable text. */
  public static Optional<String> nameProblem(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty() || name.length() > 100
        || name.chars().anyMatch(c -> c <= ' ' || Character.isISOControl(c) || Character.isWhitespace(c))) {
      return Optional.of("API key name \"" + name + "\" is empty, longer than 100 characters or has spaces");
    }
    return Optional.empty();
  }

  /** What is wrong with {@code network} as a stored allow-list entry, or empty: one word. */
  public static Optional<String> networkProblem(String network) {
    Objects.requireNonNull(network, "network");
    if (network.isEmpty() || network.chars().anyMatch(c -> c <= ' ' || Character.isISOControl(c) || Character.isWhitespace(c))) {
      return Optional.of("network \"" + network + "\" is empty or has spaces");
    }
    return Optional.empty();
  }

  // ---- Rows --------------------------------------------------------------------------------------

  private static boolean accountMayUse(Connection connection, long accountId, String sender) throws SQLException {
    // An address is covered by itself or its @domain; an @domain only by itself.
    String wholeDomain = sender.startsWith("@") ? sender : sender.substring(sender.lastIndexOf('@'));
    try (PreparedStatement select = connection.prepareStatement(
        "SELECT 1 FROM account_sender WHERE account_id = ? AND sender IN (?, ?) LIMIT 1")) {
      select.setLong(1, accountId);
      select.setString(2, sender);
      select.setString(3, wholeDomain);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next();
      }
    }
  }

  private static Optional<ApiKey> selectByName(Connection connection, String name) throws SQLException, StoreException {
    try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS + FROM + " WHERE k.name = ?")) {
      select.setString(1, name);
      List<ApiKey> found = keys(select);
      return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
    }
  }

  private static List<ApiKey> keys(PreparedStatement select) throws SQLException, StoreException {
    List<ApiKey> keys = new ArrayList<>();
    try (ResultSet rows = select.executeQuery()) {
      while (rows.next()) {
        keys.add(key(rows));
      }
    }
    return keys;
  }

  private static ApiKey key(ResultSet row) throws SQLException, StoreException {
    String name = row.getString("name");
    Set<ApiKey.Scope> scopes = EnumSet.noneOf(ApiKey.Scope.class);
    for (String word : words(row.getString("scopes"))) {
      scopes.add(ApiKey.Scope.parse(word).orElseThrow(() -> corrupt(name, "scope \"" + word + "\"")));
    }
    return new ApiKey(
        row.getLong("id"),
        name,
        row.getString("address"),
        row.getString("keyed_hash"),
        scopes,
        words(row.getString("senders")),
        words(row.getString("allowed_networks")),
        limits(row, name),
        Instant.ofEpochMilli(row.getLong("created_at")),
        Rows.optionalInstant(row, "last_used_at"),
        Rows.optionalInstant(row, "revoked_at"));
  }

  private static ApiKey.Limits limits(ResultSet row, String name) throws SQLException, StoreException {
    OptionalInt perMinute = optionalInt(row, "messages_per_minute");
    OptionalInt perDay = optionalInt(row, "messages_per_day");
    // The column's CHECK keeps them at least 1; a row written around it is corrupt, not a crash.
    if (perMinute.orElse(1) < 1 || perDay.orElse(1) < 1) {
      throw new StoreException(StoreException.Kind.CORRUPT, "API key \"" + name + "\" has a limit below 1 message");
    }
    return new ApiKey.Limits(perMinute, perDay);
  }

  private static OptionalInt optionalInt(ResultSet row, String column) throws SQLException {
    int value = row.getInt(column);
    return row.wasNull() ? OptionalInt.empty() : OptionalInt.of(value);
  }

  private static void setOptionalInt(PreparedStatement statement, int index, OptionalInt value) throws SQLException {
    if (value.isPresent()) {
      statement.setInt(index, value.getAsInt());
    } else {
      statement.setNull(index, Types.INTEGER);
    }
  }

  private static StoreException corrupt(String name, String what) {
    return new StoreException(StoreException.Kind.CORRUPT, "API key \"" + name + "\" has an unknown " + what);
  }

  private static List<String> words(String text) {
    return text == null || text.isBlank() ? List.of() : Arrays.asList(text.strip().split(" +"));
  }

  // ---- Input -------------------------------------------------------------------------------------

  private static String lowerCase(String text) {
    return text.toLowerCase(Locale.ROOT);
  }
}
