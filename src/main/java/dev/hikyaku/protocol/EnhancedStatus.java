package dev.hikyaku.protocol;

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

  /** {@code "5.1.1"} as a status; empty when it is not one (RFC 3463 §2: 1-3 digit subject and detail). */
  public static java.util.Optional<EnhancedStatus> parse(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 3) {
      return java.util.Optional.empty();
    }
    try {
      for (String part : parts) {
        if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
          return java.util.Optional.empty();
        }
      }
      return java.util.Optional.of(of(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2])));
    } catch (IllegalArgumentException e) {
      return java.util.Optional.empty();
    }
  }

  @Override
  public String toString() {
    return statusClass + "." + subject + "." + detail;
  }
}
