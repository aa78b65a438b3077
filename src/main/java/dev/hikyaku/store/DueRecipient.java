package dev.hikyaku.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A recipient whose delivery is due: pending (never tried) or deferred with its time come.
 *
 * @param parameters the RCPT TO ESMTP parameters as on the wire, "" if none
 * @param attempts attempts made so far
 * @param lastReply the reply of the last attempt, empty before the first
 * @param lastAttemptAt when it was last tried, empty before the first attempt
 */
public record DueRecipient(
    String forwardPath,
    String parameters,
    int attempts,
    Optional<String> lastReply,
    Optional<Instant> lastAttemptAt) {

  public DueRecipient {
    Objects.requireNonNull(forwardPath, "forwardPath");
    Objects.requireNonNull(parameters, "parameters");
    Objects.requireNonNull(lastReply, "lastReply");
    Objects.requireNonNull(lastAttemptAt, "lastAttemptAt");
  }

  /**
   * The domain part of the forward-path, lower-case: the destination a delivery lane is keyed by.
   * RFC 5321 §2.3.5: domain names compare without regard to case.
   */
  public String domain() {
    return NewRecipient.domainOf(forwardPath);
  }
}
