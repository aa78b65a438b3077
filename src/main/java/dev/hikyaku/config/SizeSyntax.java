package dev.hikyaku.config;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Sizes as written in the config: a whole number of octets, or a whole number with a unit. Decimal
 * units are powers of 1000 (KB, MB, GB), binary units powers of 1024 (KiB, MiB, GiB), as in IEC
 * 80000-13. Units are case-insensitive; a space before the unit is allowed.
 */
final class SizeSyntax {

  private SizeSyntax() {}

  static final String FORMS =
      "a size in bytes or with a unit: KB, MB, GB (×1000) or KiB, MiB, GiB (×1024)";

  private static final Pattern SIZE =
      Pattern.compile("([0-9]+) ?([KMG]i?B|B)?", Pattern.CASE_INSENSITIVE);

  private static final long KIB = 1024;
  private static final long MIB = 1024 * KIB;
  private static final long GIB = 1024 * MIB;

  /**
   * @throws IllegalArgumentException naming the text and the accepted forms
   */
  static long parse(String text) {
    var size = SIZE.matcher(text);
    if (!size.matches()) {
      throw new IllegalArgumentException("expected " + FORMS + ", was '" + text + "'");
    }
    String unit = size.group(2) == null ? "B" : size.group(2).toUpperCase(Locale.ROOT);
    long factor =
        switch (unit) {
          case "B" -> 1;
          case "KB" -> 1000;
          case "MB" -> 1000_000;
          case "GB" -> 1000_000_000;
          case "KIB" -> KIB;
          case "MIB" -> MIB;
          case "GIB" -> GIB;
          default -> throw new AssertionError(unit);
        };
    try {
      return Math.multiplyExact(Long.parseLong(size.group(1)), factor);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("'" + text + "' is too large");
    }
  }

  /**
   * The shortest binary form {@link #parse} reads back to the same size: {@code 35MiB}, {@code
   * 1000}.
   */
  static String format(long bytes) {
    if (bytes != 0 && bytes % GIB == 0) {
      return bytes / GIB + "GiB";
    }
    if (bytes != 0 && bytes % MIB == 0) {
      return bytes / MIB + "MiB";
    }
    if (bytes != 0 && bytes % KIB == 0) {
      return bytes / KIB + "KiB";
    }
    return Long.toString(bytes);
  }
}
