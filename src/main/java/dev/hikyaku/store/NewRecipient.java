package dev.hikyaku.store;

import java.util.Locale;
import java.util.Objects;

/**
 * One accepted RCPT TO, as it enters the queue.
 *
 * @param forwardPath the address without angle brackets (RFC 5321 §4.1.2 Forward-path)
 * @param parameters the ESMTP parameters as on the wire (RFC 5321 §4.1.1.3), "" if none
 */
public record NewRecipient(String forwardPath, String parameters) {

  public NewRecipient {
    Objects.requireNonNull(forwardPath, "forwardPath");
    Objects.requireNonNull(parameters, "parameters");
    if (forwardPath.isEmpty()) {
      // RFC 5321 §4.1.1.3: RCPT TO has no null path; only MAIL FROM may be <>.
      throw new IllegalArgumentException("empty forward-path");
    }
  }

  /** The lower-case domain of the forward-path, stored for lookups by destination. */
  public String domain() {
    return domainOf(forwardPath);
  }

  /**
   * The part of {@code forwardPath} after its last '@', lower-case (RFC 5321 §2.3.5: domain names
   * compare without regard to case); "" when there is none.
   */
  static String domainOf(String forwardPath) {
    int at = forwardPath.lastIndexOf('@');
    return (at < 0 ? "" : forwardPath.substring(at + 1)).toLowerCase(Locale.ROOT);
  }
}
