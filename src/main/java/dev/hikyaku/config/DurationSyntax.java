package dev.hikyaku.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/**
 * Durations as written in the config: a whole number with a unit ({@code 500ms}, {@code 30s},
 * {@code 5m}, {@code 1h}, {@code 2d}) or ISO-8601 ({@code PT5M}, {@code P2D}). A bare number is
 * refused: {@code 300} could mean seconds or milliseconds, and guessing wrong is a silent outage.
 */
public final class DurationSyntax {

  private DurationSyntax() {}

  static final String FORMS = "a duration such as 500ms, 30s, 5m, 1h, 2d or PT5M";

  private static final Pattern WITH_UNIT = Pattern.compile("([0-9]+)(ms|s|m|h|d)");

  /**
   * @throws IllegalArgumentException naming the text and the accepted forms
   */
  public static Duration parse(String text) {
    var unit = WITH_UNIT.matcher(text);
    if (unit.matches()) {
      try {
        long amount = Long.parseLong(unit.group(1));
        return switch (unit.group(2)) {
          case "ms" -> Duration.ofMillis(amount);
          case "s" -> Duration.ofSeconds(amount);
          case "m" -> Duration.ofMinutes(amount);
          case "h" -> Duration.ofHours(amount);
          case "d" -> Duration.ofDays(amount);
          default -> throw new AssertionError(unit.group(2));
        };
      } catch (NumberFormatException | ArithmeticException e) {
        throw new IllegalArgumentException("'" + text + "' is too long a duration");
      }
    }
    if (text.startsWith("P") || text.startsWith("p") || text.startsWith("-P")) {
      try {
        Duration parsed = Duration.parse(text);
        if (parsed.isNegative()) {
          throw new IllegalArgumentException("must not be negative, was '" + text + "'");
        }
        return parsed;
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(
            "'" + text + "' is not an ISO-8601 duration; expected " + FORMS);
      }
    }
    throw new IllegalArgumentException("expected " + FORMS + ", was '" + text + "'");
  }

  /**
   * The shortest form {@link #parse} reads back to the same duration: {@code 5m}, {@code 500ms}.
   */
  static String format(Duration duration) {
    if (duration.isZero()) {
      return "0s";
    }
    if (duration.getNano() % 1_000_000 != 0 || duration.isNegative()) {
      return duration.toString();
    }
    if (duration.getNano() == 0) {
      // Whole seconds, read in seconds: a duration of more than 292 million years (which parse
      // accepts as days) has no count of milliseconds in a long.
      long seconds = duration.getSeconds();
      record Unit(String suffix, long seconds) {}
      for (Unit unit : new Unit[] {new Unit("d", 86_400), new Unit("h", 3_600), new Unit("m", 60)}) {
        if (seconds % unit.seconds() == 0) {
          return seconds / unit.seconds() + unit.suffix();
        }
      }
      return seconds + "s";
    }
    try {
      return duration.toMillis() + "ms";
    } catch (ArithmeticException tooLong) {
      return duration.toString();
    }
  }
}
