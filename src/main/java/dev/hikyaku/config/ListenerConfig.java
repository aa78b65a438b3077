package dev.hikyaku.config;

import dev.hikyaku.net.ListenerRole;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One listening socket.
 *
 * @param name unique among listeners; used in logs and metrics; defaults to the role's config name
 * @param role what the port is for; decides what the session demands, not the port number
 * @param address local address to bind; the wildcard {@code 0.0.0.0} by default
 * @param port TCP port; 1..65535 when read from a file, 0 (ephemeral) allowed for records built in
 *     tests
 * @param greetingDelay pause before the 220 greeting; clients that talk before it skip the server's
 *     opening message that starts every session (RFC 5321 §3.1), as bulk senders do
 */
public record ListenerConfig(
    String name, ListenerRole role, InetAddress address, int port, Duration greetingDelay) {

  public ListenerConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(greetingDelay, "greetingDelay");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, was " + port);
    }
  }

  /** Same listener on another port. */
  public ListenerConfig withPort(int newPort) {
    return toBuilder().port(newPort).build();
  }

  /** {@code 0.0.0.0:25}, {@code [::1]:587}: the socket address as people write it. */
  public String socketText() {
    String host = HostSyntax.text(address);
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  static final String SECTION = "listeners";
  private static final String NAME = "name";
  private static final String ROLE = "role";
  private static final String GREETING_DELAY = "greeting-delay";
  static final List<String> KEYS = List.of(NAME, ROLE, Keys.ADDRESS, Keys.PORT, GREETING_DELAY);

  /** The IPv4 wildcard: every local IPv4 address. */
  private static final InetAddress DEFAULT_ADDRESS = HostSyntax.ipLiteral("0.0.0.0").orElseThrow();

  /** The listeners used when the file has no {@code listeners} key, in this order. */
  private static final List<ListenerRole> DEFAULT_ROLES =
      List.of(ListenerRole.RELAY, ListenerRole.SUBMISSION, ListenerRole.SUBMISSIONS);

  // Listener names appear in logs and as metric labels.
  private static final Pattern LISTENER_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  // RFC 5321 §4.5.3.2.1: a client waits 5 minutes for the 220 greeting, so a longer delay loses
  // every client, not just impatient ones.
  private static final Duration MAX_GREETING_DELAY = Duration.ofMinutes(5);

  /** The IANA port of each role. */
  static int defaultPort(ListenerRole role) {
    return switch (role) {
      case RELAY -> 25; // RFC 5321 §4.5.4.2 (port 25 for SMTP relay)
      case SUBMISSION -> 587; // RFC 6409 §3.1
      case SUBMISSIONS -> 465; // RFC 8314 §7.3
    };
  }

  /**
   * A short pause before the greeting on the relay port catches clients that speak before it: RFC
   * 5321 §3.1 opens a session with the server's message, and bulk senders that skip the wait give
   * themselves away (Postfix postscreen's pregreet test). Submission clients are our own users.
   */
  static Duration defaultGreetingDelay(ListenerRole role) {
    return switch (role) {
      case RELAY -> Duration.ofSeconds(1);
      case SUBMISSION, SUBMISSIONS -> Duration.ZERO;
    };
  }

  /** One listener of each role, named after it, on every IPv4 address and the role's port. */
  static final List<ListenerConfig> DEFAULTS = DEFAULT_ROLES.stream().map(role -> builder(role).build()).toList();

  /** {@code listeners}: at least one, names unique, no two on one address and port. */
  static List<ListenerConfig> readAll(Section top, String key) throws ConfigException {
    if (!top.has(key)) {
      return DEFAULTS;
    }
    String path = top.path(key);
    YamlNode node = top.node(key);
    List<YamlNode> items = top.list(node, path, "listeners");
    if (items.isEmpty()) {
      throw top.error(path, node, "must hold at least one listener; leave the key out for the default three");
    }
    List<ListenerConfig> listeners = new ArrayList<>();
    Map<String, Integer> indexByName = new HashMap<>();
    for (int i = 0; i < items.size(); i++) {
      String itemPath = path + "[" + i + "]";
      if (items.get(i) instanceof YamlNode.Null) {
        throw top.error(itemPath, items.get(i), "empty listener; each needs at least a role");
      }
      Section item = Section.open(items.get(i), itemPath, KEYS, top.sourceName());
      ListenerConfig listener = read(item, items.get(i));
      Integer sameName = indexByName.putIfAbsent(listener.name(), i);
      if (sameName != null) {
        throw item.error(item.path(NAME), item.get(NAME).orElse(items.get(i)),
            "'%s' is already the name of %s[%d]; listener names must be unique (%s)"
                .formatted(listener.name(), path, sameName, "set name: on one of them"));
      }
      listeners.add(listener);
    }
    Optional<ListenerClash> clash = ListenerClash.find(listeners);
    if (clash.isPresent()) {
      throw top.error(clash.get().keyPath(), items.get(clash.get().second()), clash.get().problem());
    }
    return List.copyOf(listeners);
  }

  private static ListenerConfig read(Section item, YamlNode itemNode) throws ConfigException {
    if (!item.has(ROLE)) {
      throw item.error(item.path(ROLE), itemNode, "required; one of " + roleNames());
    }
    String written = item.text(ROLE).orElseThrow();
    ListenerRole role = Arrays.stream(ListenerRole.values())
        .filter(r -> r.configName().equalsIgnoreCase(written))
        .findFirst()
        .orElseThrow(() -> item.error(ROLE, "unknown role '" + written + "'; known roles: " + roleNames()));
    ListenerConfig d = builder(role).build();
    String name = item.text(NAME).orElse(d.name());
    if (!LISTENER_NAME.matcher(name).matches()) {
      throw item.error(NAME, "expected 1 to 64 letters, digits, '.', '_' or '-', was '" + name + "'");
    }
    InetAddress address = item.address(Keys.ADDRESS, d.address());
    int port = item.port(Keys.PORT, d.port());
    Duration greetingDelay = d.greetingDelay();
    if (item.has(GREETING_DELAY)) {
      greetingDelay = item.duration(item.node(GREETING_DELAY), item.path(GREETING_DELAY));
      if (greetingDelay.compareTo(MAX_GREETING_DELAY) >= 0) {
        throw item.error(GREETING_DELAY, "must be shorter than 5m (clients give up waiting for the greeting after 5"
            + " minutes, RFC 5321 §4.5.3.2.1), was " + DurationSyntax.format(greetingDelay));
      }
    }
    return d.toBuilder().name(name).address(address).port(port).greetingDelay(greetingDelay).build();
  }

  static String roleNames() {
    return Arrays.stream(ListenerRole.values()).map(ListenerRole::configName).collect(Collectors.joining(", "));
  }

  static void writeAll(List<ListenerConfig> listeners, ArrayNode items) {
    for (ListenerConfig listener : listeners) {
      ObjectNode item = items.addObject();
      item.put(NAME, listener.name());
      item.put(ROLE, listener.role().configName());
      item.put(Keys.ADDRESS, HostSyntax.text(listener.address()));
      item.put(Keys.PORT, listener.port());
      item.put(GREETING_DELAY, DurationSyntax.format(listener.greetingDelay()));
    }
  }

  /**
   * A listener of {@code role} as the file gives it when it names only the role: named after the
   * role, on every IPv4 address, on the role's IANA port, with the role's greeting delay.
   */
  public static Builder builder(ListenerRole role) {
    return new ListenerConfig(role.configName(), role, DEFAULT_ADDRESS, defaultPort(role), defaultGreetingDelay(role))
        .toBuilder();
  }

  /** A builder holding these settings, to change some by name. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** A listener's settings by name; its role is fixed when the builder is made. */
  public static final class Builder {
    private String name;
    private final ListenerRole role;
    private InetAddress address;
    private int port;
    private Duration greetingDelay;

    private Builder(ListenerConfig from) {
      name = from.name;
      role = from.role;
      address = from.address;
      port = from.port;
      greetingDelay = from.greetingDelay;
    }

    public Builder name(String value) {
      name = value;
      return this;
    }

    public Builder address(InetAddress value) {
      address = value;
      return this;
    }

    public Builder port(int value) {
      port = value;
      return this;
    }

    public Builder greetingDelay(Duration value) {
      greetingDelay = value;
      return this;
    }

    public ListenerConfig build() {
      return new ListenerConfig(name, role, address, port, greetingDelay);
    }
  }
}
