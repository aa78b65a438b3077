package dev.hikyaku.bench.load;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What one run of the tool does, from the command line.
 *
 * @param connections concurrent sessions (N)
 * @param messages messages to send in the measured part (M)
 * @param perConnection messages sent in one session before QUIT (K)
 * @param size octets of each message, header included, before dot-stuffing (S)
 * @param recipients RCPT TO commands per message (R)
 * @param warmup messages sent first, with the same settings, and not counted
 * @param rate messages per second over all sessions, or 0 for as fast as the server answers
 * @param holdSeconds idle mode when above 0: open {@code connections} sessions, hold them this long
 *     without sending mail, then QUIT
 * @param setupConcurrency sessions being set up (connect, TLS, EHLO, AUTH) at one time, at most
 * @param isTlsResumed whether TLS sessions may be resumed (the JDK's client session cache); when
 *     false every connection does a full handshake, as a client's first connection of the day does
 * @param api HTTP mode when not null: the base URL of the HTTP API ({@code https://127.0.0.1:8443});
 *     every message is a {@code POST /v1/messages} of a JSON body of {@code size} octets, and host and
 *     port come from this URL
 * @param apiKey the bearer token of HTTP mode, from {@code --key-file}
 */
record LoadPlan(
    String label,
    String host,
    int port,
    int connections,
    long messages,
    int perConnection,
    int size,
    int recipients,
    Security security,
    AuthMechanism auth,
    String user,
    String password,
    String from,
    String to,
    String ehloName,
    boolean isPipelining,
    long warmup,
    double rate,
    Duration timeout,
    int holdSeconds,
    int setupConcurrency,
    boolean isTlsResumed,
    URI api,
    String apiKey) {

  static final String USAGE =
      """
      usage: hikyaku-load [options]
        --host ADDR            server address (default 127.0.0.1)
        --port N               server port (required)
        --label TEXT           name of the server under test, copied into the report
        -c, --connections N    concurrent sessions (default 1)
        -m, --messages M       messages to send, after the warm-up (default 100)
        -k, --per-connection K messages per session before QUIT (default 1)
        -s, --size S           message size: 4096, 4KiB, 1MiB (default 4KiB)
        -r, --recipients R     recipients per message (default 1)
        --tls MODE             none | starttls | implicit (default none)
        --auth MECH            none | plain | scram (default none)
        --user ADDR            login (and default sender) for --auth
        --password TEXT | --password-file FILE
        --from ADDR            MAIL FROM and From: (default: --user, else load@bench.example)
        --to ADDR              RCPT TO; with R > 1, the local part gets 1..R appended
                               (default user@bench.example)
        --ehlo NAME            EHLO argument (default load.bench.example)
        --pipelining           send MAIL, RCPT and DATA as one group when the server offers PIPELINING
        --warmup N             messages sent first and not counted (default 0)
        --rate R               messages per second over all sessions (default: as fast as answered)
        --timeout SECONDS      per reply (default 60)
        --hold SECONDS         idle mode: open the sessions, hold them, send no mail
        --setup-concurrency N  sessions being set up at one time (default 64)
        --no-tls-resume        full TLS handshake on every connection
      HTTP mode (issue 12), instead of SMTP:
        --api URL              POST /v1/messages to this base URL (https://127.0.0.1:8443): one
                               HTTP/1.1 keep-alive connection per client (-c), JSON bodies of -s
                               octets, 202 counts as accepted; --host and --port come from URL
        --key-file FILE        the API key (first line), sent as Authorization: Bearer
      The last line printed is one JSON object for scripts.""";

  LoadPlan {
    require(port >= 1 && port <= 65535, "--port must be 1..65535, was " + port);
    require(connections >= 1, "--connections must be at least 1, was " + connections);
    require(messages >= 0, "--messages must not be negative, was " + messages);
    require(perConnection >= 1, "--per-connection must be at least 1, was " + perConnection);
    require(size >= 256, "--size must be at least 256 octets (room for the header), was " + size);
    require(recipients >= 1, "--recipients must be at least 1, was " + recipients);
    require(warmup >= 0, "--warmup must not be negative, was " + warmup);
    require(rate >= 0, "--rate must not be negative, was " + rate);
    require(holdSeconds >= 0, "--hold must not be negative, was " + holdSeconds);
    require(setupConcurrency >= 1, "--setup-concurrency must be at least 1, was " + setupConcurrency);
    require(auth == AuthMechanism.NONE || (user != null && password != null), "--auth " + auth.saslName() + " needs --user and --password or --password-file");
    require(api == null || apiKey != null, "--api needs --key-file");
    require(api == null || holdSeconds == 0, "--hold is SMTP only");
  }

  boolean isApi() {
    return api != null;
  }

  boolean isIdle() {
    return holdSeconds > 0;
  }

  /** The forward-path of recipient {@code index} (0-based). */
  String recipient(int index) {
    if (recipients == 1) {
      return to;
    }
    int at = to.lastIndexOf('@');
    return to.substring(0, at) + (index + 1) + to.substring(at);
  }

  private static final Set<String> FLAGS = Set.of("--pipelining", "--no-tls-resume", "--help", "-h");

  /** Options that mean something to SMTP only: refused with --api rather than silently ignored. */
  private static final List<String> SMTP_ONLY =
      List.of("--host", "--port", "--per-connection", "--tls", "--auth", "--user", "--password", "--password-file", "--ehlo", "--pipelining", "--hold", "--setup-concurrency", "--no-tls-resume");

  /** Parses {@code --name value}, {@code --name=value} and the flags; unknown options are errors. */
  static LoadPlan parse(List<String> args) throws IOException {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String name = arg;
      String value;
      int equals = arg.indexOf('=');
      if (arg.startsWith("--") && equals > 0) {
        name = arg.substring(0, equals);
        value = arg.substring(equals + 1);
      } else if (FLAGS.contains(arg)) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args.get(++i);
      } else {
        throw new IllegalArgumentException(arg + ": missing value");
      }
      options.put(canonical(name), value);
    }
    if (options.containsKey("--help")) {
      throw new IllegalArgumentException("help");
    }
    URI api = null;
    String apiKey = null;
    String apiText = options.remove("--api");
    String keyFile = options.remove("--key-file");
    if (apiText != null) {
      List<String> smtpOnly = SMTP_ONLY.stream().filter(options::containsKey).toList();
      require(smtpOnly.isEmpty(), "--api: " + String.join(", ", smtpOnly) + " apply to SMTP only");
      api = parseApi(apiText);
      options.put("--host", api.getHost());
      options.put("--port", Integer.toString(api.getPort()));
    }
    if (keyFile != null) {
      require(apiText != null, "--key-file goes with --api");
      List<String> lines = Files.readAllLines(Path.of(keyFile), StandardCharsets.UTF_8);
      require(!lines.isEmpty() && !lines.getFirst().isBlank(), "--key-file " + keyFile + " is empty");
      apiKey = lines.getFirst().strip();
    }
    String password = options.remove("--password");
    String passwordFile = options.remove("--password-file");
    if (passwordFile != null) {
      List<String> lines = Files.readAllLines(Path.of(passwordFile), StandardCharsets.UTF_8);
      require(!lines.isEmpty(), "--password-file " + passwordFile + " is empty");
      password = lines.getFirst();
    }
    String user = options.remove("--user");
    String from = options.remove("--from");
    if (from == null) {
      from = user != null ? user : "load@bench.example";
    }
    LoadPlan plan =
        new LoadPlan(
            take(options, "--label", "server"),
            take(options, "--host", "127.0.0.1"),
            Integer.parseInt(require(options.remove("--port"), "--port is required")),
            Integer.parseInt(take(options, "--connections", "1")),
            Long.parseLong(take(options, "--messages", "100")),
            Integer.parseInt(take(options, "--per-connection", "1")),
            parseSize(take(options, "--size", "4KiB")),
            Integer.parseInt(take(options, "--recipients", "1")),
            Security.parse(take(options, "--tls", "none")),
            AuthMechanism.parse(take(options, "--auth", "none")),
            user,
            password,
            from,
            take(options, "--to", "user@bench.example"),
            take(options, "--ehlo", "load.bench.example"),
            options.remove("--pipelining") != null,
            Long.parseLong(take(options, "--warmup", "0")),
            Double.parseDouble(take(options, "--rate", "0")),
            Duration.ofSeconds(Long.parseLong(take(options, "--timeout", "60"))),
            Integer.parseInt(take(options, "--hold", "0")),
            Integer.parseInt(take(options, "--setup-concurrency", "64")),
            options.remove("--no-tls-resume") == null,
            api,
            apiKey);
    if (!options.isEmpty()) {
      throw new IllegalArgumentException("unknown option(s): " + String.join(", ", options.keySet()));
    }
    return plan;
  }

  /** {@code http(s)://host[:port]}, no path: the port defaults to the scheme's. */
  private static URI parseApi(String text) {
    URI uri;
    try {
      uri = new URI(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("--api: not a URL: " + text);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    require(scheme.equals("https") || scheme.equals("http"), "--api: expected https://host:port, was " + text);
    require(uri.getHost() != null && (uri.getRawPath() == null || uri.getRawPath().isEmpty()) && uri.getRawQuery() == null, "--api: expected https://host:port without a path, was " + text);
    int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
    try {
      return new URI(scheme, null, uri.getHost(), port, null, null, null);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("--api: not a URL: " + text);
    }
  }

  private static String canonical(String name) {
    return switch (name) {
      case "-c" -> "--connections";
      case "-m" -> "--messages";
      case "-k" -> "--per-connection";
      case "-s" -> "--size";
      case "-r" -> "--recipients";
      case "-h" -> "--help";
      default -> name;
    };
  }

  private static String take(Map<String, String> options, String name, String fallback) {
    String value = options.remove(name);
    return value == null ? fallback : value;
  }

  /** {@code 4096}, {@code 4KiB}, {@code 1MiB}, {@code 100KB}: whole numbers, binary or decimal units. */
  static int parseSize(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    long factor = 1;
    for (var unit : List.of(Map.entry("kib", 1024L), Map.entry("mib", 1024L * 1024), Map.entry("kb", 1000L), Map.entry("mb", 1000L * 1000), Map.entry("k", 1024L), Map.entry("m", 1024L * 1024))) {
      if (t.endsWith(unit.getKey())) {
        factor = unit.getValue();
        t = t.substring(0, t.length() - unit.getKey().length()).trim();
        break;
      }
    }
    try {
      return Math.toIntExact(Long.parseLong(t) * factor);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("--size: expected a whole number with an optional unit (4096, 4KiB, 1MiB), was \"" + text + "\"");
    }
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }

  private static String require(String value, String message) {
    if (value == null) {
      throw new IllegalArgumentException(message);
    }
    return value;
  }

  /** Describes the plan without the password or the API key. */
  @Override
  public String toString() {
    if (isApi()) {
      return String.format(
          Locale.ROOT,
          "POST %s/v1/messages over HTTP/1.1 keep-alive, %d clients, %d messages of %d B JSON, %d recipient(s)%s%s",
          api,
          connections,
          messages,
          size,
          recipients,
          rate > 0 ? String.format(Locale.ROOT, ", paced at %.0f msgs/s", rate) : "",
          warmup > 0 ? ", warm-up " + warmup : "");
    }
    return String.format(
        Locale.ROOT,
        "%s:%d %s, auth %s, %d connections, %d messages of %d B, %d per connection, %d recipient(s), pipelining %s%s%s",
        host,
        port,
        security.label(),
        auth == AuthMechanism.NONE ? "none" : auth.saslName(),
        connections,
        messages,
        size,
        perConnection,
        recipients,
        isPipelining ? "on" : "off",
        rate > 0 ? String.format(Locale.ROOT, ", paced at %.0f msgs/s", rate) : "",
        warmup > 0 ? ", warm-up " + warmup : "");
  }
}
