package dev.hikyaku.store;

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
}
