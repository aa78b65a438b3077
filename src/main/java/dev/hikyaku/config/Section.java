package dev.hikyaku.config;

import dev.hikyaku.config.YamlNode.Mapping;
import dev.hikyaku.config.YamlNode.Null;
import dev.hikyaku.config.YamlNode.Sequence;
import dev.hikyaku.config.YamlNode.Text;
import dev.hikyaku.config.YamlNode.WholeNumber;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One mapping level of the file (the top level, {@code tls}, {@code limits}, one listener) with its
 * key path and the keys it may hold. Unknown keys are refused when the section is opened: a typo
 * must not silently fall back to a default.
 *
 * <p>The typed accessors ({@link #bool}, {@link #integer}, {@link #duration}, {@link #choice} ...)
 * read one key: absent, it takes the caller's default; present, it must have the type and lie in
 * the bounds, else the {@link ConfigException} names the key path, the line and the rule.
 */
final class Section {

  // Timeouts below a second only make sense in tests, which build the records directly.
  static final Duration MIN_TIMEOUT = Duration.ofSeconds(1);
  // Socket read timeouts are int milliseconds (Socket#setSoTimeout); a day is well inside that.
  static final Duration MAX_TIMEOUT = Duration.ofDays(1);

  private final String path;
  private final Map<String, YamlNode> entries;
  private final String sourceName;

  private Section(String path, Map<String, YamlNode> entries, String sourceName) {
    this.path = path;
    this.entries = entries;
    this.sourceName = sourceName;
  }

  /**
   * @param node the value at {@code path}; {@link Null} (absent or empty) gives an empty section
   * @throws ConfigException if the value is not a mapping, or holds a key outside {@code known}
   */
  static Section open(YamlNode node, String path, List<String> known, String sourceName)
      throws ConfigException {
    if (node instanceof Null) {
      return new Section(path, Map.of(), sourceName);
    }
    if (!(node instanceof Mapping mapping)) {
      throw new ConfigException(
          ConfigException.display(path),
          "expected a mapping with keys " + String.join(", ", known) + ", was " + node.describe(),
          sourceName,
          node.line());
    }
    for (String key : mapping.entries().keySet()) {
      if (!known.contains(key)) {
        String where = path.isEmpty() ? "at the top level" : "in " + path;
        String hint = closest(key, known).map(k -> " (did you mean " + k + "?)").orElse("");
        throw new ConfigException(
            join(path, key),
            "unknown key" + hint + "; known keys " + where + ": " + String.join(", ", known),
            sourceName,
            mapping.keyLines().getOrDefault(key, 0));
      }
    }
    return new Section(path, mapping.entries(), sourceName);
  }

  /** The nested section under {@code key}; empty when the key is absent. */
  Section section(String key, List<String> known) throws ConfigException {
    return open(node(key), path(key), known, sourceName);
  }

  /** The value of {@code key}; empty when the key is absent or has no value (use the default). */
  Optional<YamlNode> get(String key) {
    YamlNode node = entries.get(key);
    return node == null || node instanceof Null ? Optional.empty() : Optional.of(node);
  }

  /** Whether the file gives {@code key} a value. */
  boolean has(String key) {
    return get(key).isPresent();
  }

  /** The value of {@code key}, or {@link Null} without a line when it is absent. */
  YamlNode node(String key) {
    return get(key).orElse(new Null(0));
  }

  /** The key path of this section itself, e.g. {@code auth.oauth}; empty for the top level. */
  String path() {
    return path;
  }

  /** The key path of {@code key} in this section, e.g. {@code limits.max-recipients}. */
  String path(String key) {
    return join(path, key);
  }

  String sourceName() {
    return sourceName;
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  // ---- typed values with their default: absent key → fallback; present → checked ----

  boolean bool(String key, boolean fallback) throws ConfigException {
    return has(key) ? bool(node(key), path(key)) : fallback;
  }

  /** A whole number in {@code min..max}; {@code note} follows the range in the error. */
  int integer(String key, int fallback, int min, int max, String note) throws ConfigException {
    return has(key) ? integer(node(key), path(key), min, max, note) : fallback;
  }

  /** A whole number of at least 1. */
  int positive(String key, int fallback) throws ConfigException {
    return integer(key, fallback, 1, Integer.MAX_VALUE, "");
  }

  /** A TCP port, 1..65535. */
  int port(String key, int fallback) throws ConfigException {
    return integer(key, fallback, ConfigReader.MIN_PORT, ConfigReader.MAX_PORT, "");
  }

  /** A duration in {@code min..max}; {@code note} follows the range in the error. */
  Duration duration(String key, Duration fallback, Duration min, Duration max, String note) throws ConfigException {
    return has(key) ? within(duration(node(key), path(key)), node(key), path(key), min, max, note) : fallback;
  }

  /** A duration from {@code min} up to a day, the longest a socket timeout may be. */
  Duration timeout(String key, Duration fallback, Duration min) throws ConfigException {
    return duration(key, fallback, min, MAX_TIMEOUT, "");
  }

  static final String ADDRESS_FORMS = "expected an IP address such as 0.0.0.0, 127.0.0.1 or \"::\" (IPv6 in quotes)";

  /** An IP literal to bind; host names are not resolved. */
  InetAddress address(String key, InetAddress fallback) throws ConfigException {
    if (!has(key)) {
      return fallback;
    }
    String text = text(node(key), path(key));
    return HostSyntax.ipLiteral(text)
        .orElseThrow(() -> error(key, ADDRESS_FORMS + ", was '" + text + "'; host names are not resolved"));
  }

  /** A non-empty string, or empty when the key is absent. */
  Optional<String> text(String key) throws ConfigException {
    return has(key) ? Optional.of(text(node(key), path(key))) : Optional.empty();
  }

  /** A path (not checked on disk), or empty when the key is absent. */
  Optional<Path> file(String key) throws ConfigException {
    return has(key) ? Optional.of(path(node(key), path(key))) : Optional.empty();
  }

  /** One of {@code allowed}, written as its lower-case name in any letter case. */
  <E extends Enum<E>> E choice(String key, E fallback, List<E> allowed) throws ConfigException {
    return choice(key, fallback, allowed, value -> value.name().toLowerCase(Locale.ROOT));
  }

  /** One of {@code allowed}, written as {@code name} gives it, in any letter case. */
  <E extends Enum<E>> E choice(String key, E fallback, List<E> allowed, Function<E, String> name)
      throws ConfigException {
    if (!has(key)) {
      return fallback;
    }
    String value = text(node(key), path(key)).toLowerCase(Locale.ROOT);
    for (E candidate : allowed) {
      if (name.apply(candidate).equals(value)) {
        return candidate;
      }
    }
    throw error(path(key), node(key), "must be one of "
        + allowed.stream().map(name).collect(Collectors.joining(", ")) + ", was '" + value + "'");
  }

  /** Reads one entry of a per-domain mapping: its section, and the node for errors. */
  @FunctionalInterface
  interface DomainEntry<T> {
    T read(Section entry, YamlNode where) throws ConfigException;
  }

  /**
   * {@code key}: a mapping from domain names (checked, lower-cased, each once: RFC 1035 §2.3.3,
   * domain names compare case-insensitively) to sections with {@code keys}, in file order.
   */
  <T> Map<String, T> byDomain(String key, List<String> keys, String what, DomainEntry<T> reader) throws ConfigException {
    if (!has(key)) {
      return Map.of();
    }
    if (!(node(key) instanceof Mapping mapping)) {
      throw error(key, "expected a mapping of domain names to " + what + ", was " + node(key).describe());
    }
    Map<String, T> entries = new LinkedHashMap<>();
    for (var entry : mapping.entries().entrySet()) {
      String domainPath = path(key) + "." + entry.getKey();
      YamlNode where = entry.getValue();
      Optional<String> problem = HostSyntax.domainProblem(entry.getKey());
      if (problem.isPresent()) {
        throw error(domainPath, where, problem.get());
      }
      String domain = entry.getKey().toLowerCase(Locale.ROOT);
      if (entries.containsKey(domain)) {
        throw error(domainPath, where, what + " for " + domain + " are already given (domains ignore case)");
      }
      entries.put(domain, reader.read(open(where, domainPath, keys, sourceName), where));
    }
    return entries;
  }

  // ---- single values, for list items and keys with rules of their own ----

  String text(YamlNode node, String path) throws ConfigException {
    if (node instanceof Text text) {
      if (text.value().isBlank()) {
        throw error(path, node, "must not be empty");
      }
      return text.value();
    }
    throw error(path, node, "expected a string, was " + node.describe());
  }

  boolean bool(YamlNode node, String path) throws ConfigException {
    if (node instanceof YamlNode.Bool bool) {
      return bool.value();
    }
    throw error(path, node, "expected true or false, was " + node.describe());
  }

  List<YamlNode> list(YamlNode node, String path, String ofWhat) throws ConfigException {
    if (node instanceof Sequence sequence) {
      return sequence.items();
    }
    throw error(path, node, "expected a list of " + ofWhat + ", was " + node.describe());
  }

  int integer(YamlNode node, String path, int min, int max, String note) throws ConfigException {
    if (!(node instanceof WholeNumber number)) {
      throw error(path, node, "expected a whole number, was " + node.describe());
    }
    BigInteger value = number.value();
    if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
      String range = max == Integer.MAX_VALUE ? "at least " + min : min + ".." + max;
      throw error(path, node, "must be " + range + note + ", was " + value);
    }
    return value.intValueExact();
  }

  long size(YamlNode node, String path) throws ConfigException {
    String written =
        switch (node) {
          case WholeNumber number -> number.value().toString();
          case Text text -> text.value().strip();
          default -> throw error(path, node, "expected " + SizeSyntax.FORMS + ", was " + node.describe());
        };
    try {
      return SizeSyntax.parse(written);
    } catch (IllegalArgumentException e) {
      throw error(path, node, e.getMessage());
    }
  }

  Duration duration(YamlNode node, String path) throws ConfigException {
    if (node instanceof WholeNumber number) {
      throw error(path, node, "expected %s, was the number %s (add a unit: %2$ss or %2$sms?)"
          .formatted(DurationSyntax.FORMS, number.value()));
    }
    if (!(node instanceof Text text)) {
      throw error(path, node, "expected " + DurationSyntax.FORMS + ", was " + node.describe());
    }
    try {
      return DurationSyntax.parse(text.value().strip());
    } catch (IllegalArgumentException e) {
      throw error(path, node, e.getMessage());
    }
  }

  Duration within(Duration value, YamlNode node, String path, Duration min, Duration max, String note)
      throws ConfigException {
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw error(path, node, "must be %s..%s%s, was %s".formatted(
          DurationSyntax.format(min), DurationSyntax.format(max), note, DurationSyntax.format(value)));
    }
    return value;
  }

  Path path(YamlNode node, String path) throws ConfigException {
    String text = text(node, path);
    // The shell expands ~, Java does not: "~/hikyaku" would become a directory named "~".
    if (text.startsWith("~")) {
      throw error(path, node, "'" + text + "' starts with ~, which is not expanded; write the full path");
    }
    try {
      return Path.of(text);
    } catch (InvalidPathException e) {
      throw error(path, node, "'" + text + "' is not a valid path: " + e.getReason());
    }
  }

  /**
   * {@code lowKey} must not exceed {@code highKey}. The error names a key the file gave: the upper
   * one when it is there, else the lower one against the upper one's default.
   */
  ConfigException orderError(String lowKey, Duration low, String highKey, Duration high) {
    if (has(highKey)) {
      return error(path(highKey), node(highKey),
          "must be at least " + lowKey + " (" + DurationSyntax.format(low) + "), was " + DurationSyntax.format(high));
    }
    return error(path(lowKey), get(lowKey).orElseThrow(),
        "must be at most " + highKey + " (" + DurationSyntax.format(high) + ", its default), was " + DurationSyntax.format(low));
  }

  /** An error at {@code path}, on the line of {@code node}. */
  ConfigException error(String path, YamlNode node, String problem) {
    return new ConfigException(ConfigException.display(path), problem, sourceName, node.line());
  }

  /** An error at {@code key} of this section, on the line of its value. */
  ConfigException error(String key, String problem) {
    return error(path(key), node(key), problem);
  }

  /**
   * The known key the typo most likely meant: the same letters with other separators or case
   * ({@code max_recipients}, {@code maxRecipients}), or at most two edits away.
   */
  static Optional<String> closest(String typo, List<String> known) {
    String bare = squash(typo);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : known) {
      if (squash(candidate).equals(bare)) {
        return Optional.of(candidate);
      }
      int distance = editDistance(typo.toLowerCase(Locale.ROOT), candidate);
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return bestDistance <= 2 ? Optional.ofNullable(best) : Optional.empty();
  }

  private static String squash(String key) {
    return key.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
  }

  /** Levenshtein distance, with a swap of neighbours counting as one edit (Damerau). */
  private static int editDistance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
