package dev.hikyaku.delivery;

import dev.hikyaku.protocol.DeliveryStatus;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The per-recipient fields of a DSN (RFC 3464 §2.3). The outcome comes typed, as delivery made it;
 * this record only writes it out.
 *
 * @param finalRecipient the address delivery was attempted to (§2.3.2, written as {@code rfc822;})
 * @param status the action (§2.3.3), status (§2.3.4), remote MTA (§2.3.5, {@code dns;}) and
 *     diagnostic (§2.3.6: {@code smtp;} only for a remote server's reply)
 * @param lastAttempt when delivery was last tried (§2.3.7 Last-Attempt-Date)
 * @param willRetryUntil for {@code delayed}: when we give up (§2.3.8)
 * @param originalRecipient the RFC 3461 ORCPT as {@code addr-type; address}, e.g. {@code rfc822;
 *     alice@example.com}, written as Original-Recipient (§2.3.1) when the sender gave one
 */
public record DsnRecipient(
    String finalRecipient,
    DeliveryStatus status,
    Optional<Instant> lastAttempt,
    Optional<Instant> willRetryUntil,
    Optional<String> originalRecipient) {

  public DsnRecipient {
    Objects.requireNonNull(finalRecipient, "finalRecipient");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(lastAttempt, "lastAttempt");
    Objects.requireNonNull(willRetryUntil, "willRetryUntil");
    Objects.requireNonNull(originalRecipient, "originalRecipient");
    if (finalRecipient.isBlank()) {
      throw new IllegalArgumentException("empty final recipient");
    }
    originalRecipient.ifPresent(original -> {
      // RFC 3464 §2.3.1: address-type ";" generic-address
      if (original.indexOf(';') <= 0) {
        throw new IllegalArgumentException("original recipient \"" + original + "\" of " + finalRecipient
            + " lacks its address type, e.g. \"rfc822; alice@example.com\"");
      }
    });
  }

  /** RFC 3464 §2.3.3 action-value: failed, delayed, delivered, relayed or expanded. */
  String action() {
    return status.action().keyword();
  }

  /** RFC 3464 §2.3.4, e.g. {@code 5.1.1}. */
  String statusCode() {
    return status.status().toString();
  }

  /** RFC 3464 §2.3.5: the name of the MTA that said it, when one did. */
  Optional<String> remoteMta() {
    return status.remoteMta().map(DeliveryStatus.RemoteMta::name);
  }

  /** RFC 3464 §2.3.6: {@code smtp; 550 5.1.1 ...} for a server's reply, {@code X-Hikyaku; ...} for ours. */
  String diagnosticCode() {
    return status.diagnostic().field();
  }
}
