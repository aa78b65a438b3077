package dev.hikyaku.config;

import dev.hikyaku.config.DeliveryConfig.Destination;
import dev.hikyaku.config.DeliveryConfig.Route;
import dev.hikyaku.config.DeliveryConfig.Smarthost;
import dev.hikyaku.delivery.TlsPolicy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.node.ObjectNode;

/**
 * The next hops of the {@code delivery} section, read and written: the smarthost, the per-domain
 * routes and destinations, and the host-and-port forms they and the DNS servers are given in.
 */
final class NextHops {

  private NextHops() {}

  private static final String HOST = "host";
  private static final String USER = "user";
  private static final String PASSWORD_FILE = "password-file";
  private static final String SMTP = "smtp";
  private static final String LMTP = "lmtp";
  private static final String MAILDIR = "maildir";
  private static final String CONCURRENCY = "concurrency";
  private static final String MESSAGES_PER_MINUTE = "messages-per-minute";

  static final List<String> SMARTHOST_KEYS = List.of(HOST, Keys.PORT, Keys.TLS, USER, PASSWORD_FILE);
  /** One {@code delivery.routes.<domain>} entry: exactly one of smtp, lmtp, maildir; tls, user, password-file only with smtp. */
  static final List<String> ROUTE_KEYS = List.of(SMTP, Keys.TLS, USER, PASSWORD_FILE, LMTP, MAILDIR);
  /** One {@code delivery.destinations.<domain>} entry. */
  static final List<String> DESTINATION_KEYS = List.of(Keys.TLS, CONCURRENCY, MESSAGES_PER_MINUTE);

  /** A route's {@code tls}: as towards MX hosts, or implicit (RFC 8314). */
  private static final List<TlsPolicy> ROUTE_TLS =
      List.of(TlsPolicy.OPPORTUNISTIC, TlsPolicy.REQUIRE, TlsPolicy.VERIFY, TlsPolicy.IMPLICIT);
  /** A smarthost's {@code tls}: {@code starttls} (verified) or {@code implicit}. */
  private static final List<TlsPolicy> SMARTHOST_TLS = List.of(TlsPolicy.VERIFY, TlsPolicy.IMPLICIT);

  /** How a TLS policy is written: its name in lower case. */
  static String configName(TlsPolicy policy) {
    return policy.name().toLowerCase(Locale.ROOT);
  }

  /** How a smarthost's TLS policy is written: a smarthost always verifies, so VERIFY is STARTTLS. */
  private static String smarthostName(TlsPolicy policy) {
    return policy == TlsPolicy.VERIFY ? "starttls" : configName(policy);
  }

  /** {@code delivery.smarthost}: a host (name or address), the port, TLS and optional credentials. */
  static Optional<Smarthost> smarthost(Section delivery, String key) throws ConfigException {
    if (!delivery.has(key)) {
      return Optional.empty();
    }
    YamlNode where = delivery.node(key);
    Section relay = delivery.section(key, SMARTHOST_KEYS);
    if (!relay.has(HOST)) {
      throw relay.error(relay.path(HOST), where, "is required (the smarthost's name)");
    }
    String host = relay.text(HOST).orElseThrow().strip();
    if (!isHost(host)) {
      // The port has its own key: "smtp.example.net:587" here would be looked up as a name.
      throw relay.error(HOST,
          "'" + host + "' is neither a host name nor an IP address" + (host.contains(":") ? " (give the port as port:)" : ""));
    }
    TlsPolicy tls = relay.choice(Keys.TLS, TlsPolicy.VERIFY, SMARTHOST_TLS, NextHops::smarthostName);
    // RFC 8314 §3.3 port 465 for implicit TLS, RFC 6409 §3.1 port 587 for submission.
    int port = relay.port(Keys.PORT, tls == TlsPolicy.IMPLICIT ? 465 : 587);
    return Optional.of(new Smarthost(host, port, tls, relay.text(USER), passwordFile(relay, where)));
  }

  /** One {@code delivery.destinations.<domain>}: tls, concurrency, messages-per-minute. */
  static Destination destination(Section settings, YamlNode where) throws ConfigException {
    Optional<TlsPolicy> tls = settings.has(Keys.TLS)
        ? Optional.of(settings.choice(Keys.TLS, TlsPolicy.OPPORTUNISTIC, DeliveryConfig.MX_TLS)) : Optional.empty();
    Optional<Integer> concurrency =
        settings.has(CONCURRENCY) ? Optional.of(settings.positive(CONCURRENCY, 1)) : Optional.empty();
    Optional<Integer> rate =
        settings.has(MESSAGES_PER_MINUTE) ? Optional.of(settings.positive(MESSAGES_PER_MINUTE, 1)) : Optional.empty();
    if (tls.isEmpty() && concurrency.isEmpty() && rate.isEmpty()) {
      throw settings.error(settings.path(), where, "expected one or more of tls, concurrency, messages-per-minute");
    }
    return new Destination(tls, concurrency, rate);
  }

  /** One {@code delivery.routes.<domain>}: one of {smtp, tls, user, password-file}, {lmtp} or {maildir}. */
  static Route route(Section route, YamlNode where) throws ConfigException {
    List<String> types = ROUTE_KEYS.stream().filter(k -> List.of(SMTP, LMTP, MAILDIR).contains(k) && route.has(k)).toList();
    if (types.isEmpty()) {
      throw route.error(route.path(), where, "expected one of smtp: \"host:port\", lmtp: \"host:port\" or maildir: /path");
    }
    if (types.size() > 1) {
      throw route.error(types.get(1), "a route has one type, and " + types.getFirst() + " is already given");
    }
    String type = types.getFirst();
    if (!type.equals(SMTP)) {
      for (String key : List.of(Keys.TLS, USER, PASSWORD_FILE)) {
        if (route.has(key)) {
          throw route.error(key, "applies to smtp routes only (lmtp is plaintext on a trusted network)");
        }
      }
    }
    YamlNode value = route.node(type);
    return switch (type) {
      case SMTP -> {
        TlsPolicy tls = route.choice(Keys.TLS, TlsPolicy.OPPORTUNISTIC, ROUTE_TLS);
        // RFC 5321 §4.5.4.2 port 25; RFC 8314 §3.3 port 465 for implicit TLS.
        var hostPort = hostPort(route, value, route.path(SMTP), tls == TlsPolicy.IMPLICIT ? 465 : 25);
        Optional<String> user = route.text(USER);
        Optional<Path> passwordFile = passwordFile(route, where);
        if (user.isPresent() && !(tls == TlsPolicy.VERIFY || tls == TlsPolicy.IMPLICIT)) {
          // RFC 8314 §5.1 / RFC 7817: a password goes only to a server whose certificate verifies.
          throw route.error(USER, "credentials need tls: verify or tls: implicit (a password goes only to a verified server),"
              + " tls is " + configName(tls));
        }
        yield new Route.Smtp(hostPort.getKey(), hostPort.getValue(), tls, user, passwordFile);
      }
      case LMTP -> {
        // RFC 2033 §5: LMTP must not use port 25; there is no standard port, so it must be given.
        var hostPort = hostPort(route, value, route.path(LMTP), 0);
        yield new Route.Lmtp(hostPort.getKey(), hostPort.getValue());
      }
      default -> {
        Path directory = route.path(value, route.path(MAILDIR));
        if (!directory.isAbsolute()) {
          throw route.error(MAILDIR, "'" + directory + "' must be an absolute path");
        }
        yield new Route.Maildir(directory);
      }
    };
  }

  /** The file holding the password for {@code user}: readable now, and given exactly when a user is. */
  private static Optional<Path> passwordFile(Section section, YamlNode where) throws ConfigException {
    Optional<Path> passwordFile = section.file(PASSWORD_FILE);
    if (passwordFile.isPresent() && !Files.isReadable(passwordFile.get())) {
      throw section.error(PASSWORD_FILE, "cannot read " + passwordFile.get());
    }
    if (section.has(USER) != passwordFile.isPresent()) {
      throw section.error(section.path(USER), where, "user and password-file go together");
    }
    return passwordFile;
  }

  /** A host name or an IP address (RFC 1123 §2.1), as a next hop may be given. */
  private static boolean isHost(String text) {
    return HostSyntax.ipLiteral(text).isPresent() || HostSyntax.domainProblem(text).isEmpty();
  }

  private static final Pattern HOST_PORT = Pattern.compile("^(\\[[^\\]]+\\]|[^:\\[\\]]+)(?::(\\d{1,5}))?$");

  /** "host", "host:port" or "[v6]:port"; {@code defaultPort} 0 means the port is required. */
  private static Map.Entry<String, Integer> hostPort(Section section, YamlNode node, String path, int defaultPort)
      throws ConfigException {
    String text = section.text(node, path).strip();
    Matcher m = HOST_PORT.matcher(text);
    String forms = defaultPort == 0 ? "host:port" : "host or host:port";
    if (!m.matches()) {
      throw section.error(path, node, "expected " + forms + " ([v6]:port for an IPv6 address), was '" + text + "'");
    }
    String host = m.group(1);
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (host.startsWith("[") ? HostSyntax.ipLiteral(bare).isEmpty() : !isHost(bare)) {
      throw section.error(path, node, "'" + bare + "' is neither a host name nor an IP address");
    }
    if (m.group(2) == null) {
      if (defaultPort == 0) {
        throw section.error(path, node, "expected " + forms + ", the port is missing in '" + text + "'");
      }
      return Map.entry(bare, defaultPort);
    }
    return Map.entry(bare, port(section, node, path, m.group(2)));
  }

  private static final Pattern WITH_PORT = Pattern.compile("^\\[?([^\\]]+?)\\]?:(\\d{1,5})$");

  /** "192.0.2.53", "192.0.2.53:5353", "::1" or "[::1]:5353" (port 53 when none is given). */
  static InetSocketAddress dnsServer(Section section, String text, String path, YamlNode node) throws ConfigException {
    String host = text;
    int port = 53;
    Matcher withPort = WITH_PORT.matcher(text);
    if (withPort.matches() && (text.startsWith("[") || text.chars().filter(c -> c == ':').count() == 1)) {
      host = withPort.group(1);
      port = port(section, node, path, withPort.group(2));
    }
    InetAddress ip = HostSyntax.ipLiteral(host).orElseThrow(
        () -> section.error(path, node, Section.ADDRESS_FORMS + " (with an optional :port), was '" + text + "'"));
    return new InetSocketAddress(ip, port);
  }

  private static int port(Section section, YamlNode node, String path, String digits) throws ConfigException {
    int port = Integer.parseInt(digits);
    if (port < ConfigReader.MIN_PORT || port > ConfigReader.MAX_PORT) {
      throw section.error(path, node, "port must be 1..65535, was " + port);
    }
    return port;
  }

  /** "host:port", with an IPv6 address in brackets. */
  static String hostPort(String host, int port) {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  static void write(Smarthost smarthost, ObjectNode relay) {
    relay.put(HOST, smarthost.host());
    relay.put(Keys.PORT, smarthost.port());
    relay.put(Keys.TLS, smarthostName(smarthost.tls()));
    smarthost.user().ifPresent(u -> relay.put(USER, u));
    smarthost.passwordFile().ifPresent(f -> relay.put(PASSWORD_FILE, f.toString()));
  }

  static void write(Route route, ObjectNode entry) {
    switch (route) {
      case Route.Smtp smtp -> {
        entry.put(SMTP, hostPort(smtp.host(), smtp.port()));
        entry.put(Keys.TLS, configName(smtp.tls()));
        smtp.user().ifPresent(u -> entry.put(USER, u));
        smtp.passwordFile().ifPresent(f -> entry.put(PASSWORD_FILE, f.toString()));
      }
      case Route.Lmtp lmtp -> entry.put(LMTP, hostPort(lmtp.host(), lmtp.port()));
      case Route.Maildir maildir -> entry.put(MAILDIR, maildir.directory().toString());
    }
  }

  static void write(Destination destination, ObjectNode entry) {
    destination.tls().ifPresent(t -> entry.put(Keys.TLS, configName(t)));
    destination.concurrency().ifPresent(c -> entry.put(CONCURRENCY, c));
    destination.messagesPerMinute().ifPresent(m -> entry.put(MESSAGES_PER_MINUTE, m));
  }
}
