package dev.hikyaku.protocol;

import java.util.Optional;

/**
 * An RFC 3463 enhanced status code, {@code class.subject.detail}. Class is 2 (success), 4 (persistent
 * transient failure) or 5 (permanent failure); there is no class 3, so 334 and 354 carry none.
 */
public record EnhancedStatus(int statusClass, int subject, int detail) {

  public EnhancedStatus {
    if (statusClass != 2 && statusClass != 4 && statusClass != 5) {
      throw new IllegalArgumentException("RFC 3463 §2: class must be 2, 4 or 5, was " + statusClass);
    }
    if (subject < 0 || subject > 999 || detail < 0 || detail > 999) {
      throw new IllegalArgumentException("RFC 3463 §2: subject and detail are 1-3 digits");
    }
  }

  public static EnhancedStatus of(int statusClass, int subject, int detail) {
    return new EnhancedStatus(statusClass, subject, detail);
  }

  /** A status found at the start of a text, and the index just past it. */
  public record Found(EnhancedStatus status, int end) {}

  /**
   * {@code "5.1.1"} as a status; empty when it is not one. RFC 3463 §2: {@code status-code = class
   * "." subject "." detail}, the class one digit (2, 4 or 5), subject and detail 1-3 digits each.
   * The one parser of the server: replies we read, statuses in the config, the store, the labels.
   */
  public static Optional<EnhancedStatus> parse(String text) {
    return parse(text, 0, text.length());
  }

  /**
   * The status that opens {@code text} at {@code from}, followed by a space or the end: RFC 2034 §4
   * puts it first in the text of each reply line ({@code 550 5.1.1 No such user}).
   */
  public static Optional<Found> atStartOf(String text, int from) {
    int space = text.indexOf(' ', from);
    int end = space < 0 ? text.length() : space;
    return parse(text, from, end).map(status -> new Found(status, end));
  }

  private static Optional<EnhancedStatus> parse(String text, int from, int to) {
    int firstDot = from + 1;
    if (to - from < 5 || text.charAt(firstDot) != '.') {
      return Optional.empty();
    }
    int secondDot = text.indexOf('.', firstDot + 1);
    if (secondDot < 0 || secondDot >= to) {
      return Optional.empty();
    }
    int statusClass = digits(text, from, firstDot);
    int subject = digits(text, firstDot + 1, secondDot);
    int detail = digits(text, secondDot + 1, to);
    if ((statusClass != 2 && statusClass != 4 && statusClass != 5) || subject < 0 || detail < 0) {
      return Optional.empty();
    }
    return Optional.of(of(statusClass, subject, detail));
  }

  /** The value of 1-3 ASCII digits in {@code text[from, to)}, or -1 when that is not what is there. */
  private static int digits(String text, int from, int to) {
    if (to - from < 1 || to - from > 3) {
      return -1;
    }
    int value = 0;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  @Override
  public String toString() {
    return statusClass + "." + subject + "." + detail;
  }
}
