package dev.hikyaku.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A domain's MTA-STS policy (RFC 8461 §3.2), as its policy host serves it at
 * {@code https://mta-sts.DOMAIN/.well-known/mta-sts.txt}: the mode, the MX host patterns mail may
 * go to, and how long the policy may be cached.
 *
 * @param mode {@link Mode#ENFORCE}: deliver only to matching MX hosts over verified TLS;
 *     {@link Mode#TESTING}: deliver as without a policy, report failures (TLS-RPT); {@link
 *     Mode#NONE}: the domain withdrew its policy
 * @param mx the MX patterns: a host name, or "*." and a domain for any one label in front of it
 * @param maxAge how long the policy holds after it was fetched (at most a year, §3.2)
 */
public record MtaStsPolicy(Mode mode, List<String> mx, Duration maxAge) {

  /** §3.2: "max_age" of at most 31557600 seconds (about one year). */
  static final Duration LONGEST = Duration.ofSeconds(31_557_600);

  // §3.2: sts-policy-field = key ":" *WSP value *WSP; keys are case-sensitive.
  private static final Pattern FIELD = Pattern.compile("^([A-Za-z0-9_]{1,32}):[ \\t]*(.*?)[ \\t]*$");
  // §3.2: sts-policy-mx-value = ["*."] domain; lower-cased when kept.
  private static final Pattern MX_PATTERN =
      Pattern.compile("^(\\*\\.)?([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?$");

  /** The policy modes of §5. */
  public enum Mode {
    ENFORCE,
    TESTING,
    NONE
  }

  public MtaStsPolicy {
    mx = List.copyOf(mx);
    if (maxAge.isNegative() || maxAge.compareTo(LONGEST) > 0) {
      throw new IllegalArgumentException("max_age must be 0.." + LONGEST.toSeconds() + " seconds, was " + maxAge.toSeconds());
    }
    if (mode != Mode.NONE && mx.isEmpty()) {
      throw new IllegalArgumentException("a policy in mode " + mode.name().toLowerCase(Locale.ROOT) + " names no mx");
    }
  }

  /**
   * Reads a policy file (§3.2): lines of "key: value" separated by CRLF or LF; {@code version:
   * STSv1}, {@code mode}, {@code max_age} and (but in mode none) at least one {@code mx} are
   * required; unknown keys are passed over; a key given twice counts once, the first time, but
   * {@code mx}, which may repeat.
   *
   * @throws IllegalArgumentException naming what is missing or wrong
   */
  public static MtaStsPolicy parse(String text) {
    Optional<String> version = Optional.empty();
    Optional<String> mode = Optional.empty();
    Optional<String> maxAge = Optional.empty();
    List<String> mx = new ArrayList<>();
    for (String line : text.split("\r?\n", -1)) {
      if (line.isEmpty()) {
        continue;
      }
      Matcher field = FIELD.matcher(line);
      if (!field.matches()) {
        throw new IllegalArgumentException("not a policy field: \"" + printable(line) + "\"");
      }
      String value = field.group(2);
      switch (field.group(1)) {
        case "version" -> version = version.or(() -> Optional.of(value));
        case "mode" -> mode = mode.or(() -> Optional.of(value));
        case "max_age" -> maxAge = maxAge.or(() -> Optional.of(value));
        case "mx" -> {
          if (!MX_PATTERN.matcher(value).matches()) {
            throw new IllegalArgumentException("not an MX pattern: \"" + printable(value) + "\"");
          }
          mx.add(stripDot(value.toLowerCase(Locale.ROOT)));
        }
        default -> {} // §3.2: fields a sender does not know are ignored
      }
    }
    if (!version.equals(Optional.of("STSv1"))) {
      throw new IllegalArgumentException("version must be STSv1, was " + version.map(v -> "\"" + printable(v) + "\"").orElse("missing"));
    }
    Mode parsedMode = switch (mode.orElseThrow(() -> new IllegalArgumentException("mode is missing"))) {
      case "enforce" -> Mode.ENFORCE;
      case "testing" -> Mode.TESTING;
      case "none" -> Mode.NONE;
      default -> throw new IllegalArgumentException("mode must be enforce, testing or none, was \"" + printable(mode.get()) + "\"");
    };
    String age = maxAge.orElseThrow(() -> new IllegalArgumentException("max_age is missing"));
    if (!age.matches("[0-9]{1,10}")) {
      throw new IllegalArgumentException("max_age must be a number of seconds, was \"" + printable(age) + "\"");
    }
    return new MtaStsPolicy(parsedMode, mx, Duration.ofSeconds(Long.parseLong(age)));
  }

  /**
   * Whether MX host {@code host} is one the policy names (§4.1): equal to a pattern, or, for
   * "*.example.net", exactly one label in front of example.net (so not example.net itself, and not
   * a.b.example.net). Case and a final dot do not matter.
   */
  public boolean matches(String host) {
    String name = stripDot(host.toLowerCase(Locale.ROOT));
    for (String pattern : mx) {
      if (pattern.startsWith("*.")) {
        String parent = pattern.substring(1); // ".example.net"
        int firstDot = name.indexOf('.');
        if (firstDot > 0 && name.substring(firstDot).equals(parent)) {
          return true;
        }
      } else if (pattern.equals(name)) {
        return true;
      }
    }
    return false;
  }

  /** The policy as a TLS report names it (RFC 8460 §4.4 "policy-string"): its fields, one a line. */
  public List<String> lines() {
    List<String> lines = new ArrayList<>();
    lines.add("version: STSv1");
    lines.add("mode: " + mode.name().toLowerCase(Locale.ROOT));
    mx.forEach(pattern -> lines.add("mx: " + pattern));
    lines.add("max_age: " + maxAge.toSeconds());
    return List.copyOf(lines);
  }

  private static String stripDot(String name) {
    return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
  }

  /** What a remote file said, safe to put in a log line: control characters escaped, long text cut. */
  static String printable(String text) {
    StringBuilder out = new StringBuilder();
    text.codePoints().limit(100).forEach(c -> {
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\x%02x", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return out.toString();
  }
}
