package dev.hikyaku.delivery;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The per-recipient fields of a DSN (RFC 3464 §2.3).
 *
 * @param finalRecipient the address delivery was attempted to (§2.3.2, written as {@code rfc822;})
 * @param action {@code failed}, {@code delayed}, {@code delivered}, {@code relayed} or {@code
 *     expanded} (§2.3.3)
 * @param status the enhanced status code, e.g. {@code 5.1.1} (§2.3.4, RFC 3463)
 * @param remoteMta the host that gave the reply, written as {@code dns;} (§2.3.5)
 * @param diagnosticCode type and text, e.g. {@code smtp; 550 5.1.1 no such user} (§2.3.6)
 * @param lastAttempt when delivery was last tried (§2.3.7 Last-Attempt-Date)
 * @param willRetryUntil for {@code delayed}: when we give up (§2.3.8)
 * @param originalRecipient the RFC 3461 ORCPT as {@code addr-type; address}, e.g. {@code rfc822;
 *     alice@example.com}, written as Original-Recipient (§2.3.1) when the sender gave one
 */
public record DsnRecipient(
    String finalRecipient,
    String action,
    String status,
    Optional<String> remoteMta,
    Optional<String> diagnosticCode,
    Optional<Instant> lastAttempt,
    Optional<Instant> willRetryUntil,
    Optional<String> originalRecipient) {

  /** A recipient for which the sender gave no ORCPT. */
  public DsnRecipient(
      String finalRecipient,
      String action,
      String status,
      Optional<String> remoteMta,
      Optional<String> diagnosticCode,
      Optional<Instant> lastAttempt,
      Optional<Instant> willRetryUntil) {
    this(finalRecipient, action, status, remoteMta, diagnosticCode, lastAttempt, willRetryUntil, Optional.empty());
  }

  /** RFC 3464 §2.3.3 action-value. */
  public static final Set<String> ACTIONS =
      Set.of("failed", "delayed", "delivered", "relayed", "expanded");

  // RFC 3464 §2.3.4: status-code = DIGIT "." 1*3DIGIT "." 1*3DIGIT; RFC 3463 §3.1: class 2, 4 or 5.
  private static final Pattern STATUS = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");

  public DsnRecipient {
    Objects.requireNonNull(finalRecipient, "finalRecipient");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(remoteMta, "remoteMta");
    Objects.requireNonNull(diagnosticCode, "diagnosticCode");
    Objects.requireNonNull(lastAttempt, "lastAttempt");
    Objects.requireNonNull(willRetryUntil, "willRetryUntil");
    Objects.requireNonNull(originalRecipient, "originalRecipient");
    if (finalRecipient.isBlank()) {
      throw new IllegalArgumentException("empty final recipient");
    }
    if (!ACTIONS.contains(action)) {
      throw new IllegalArgumentException(
          "unknown DSN action \"" + action + "\" for " + finalRecipient + "; expected one of "
              + ACTIONS);
    }
    if (!STATUS.matcher(status).matches()) {
      throw new IllegalArgumentException(
          "status \"" + status + "\" of " + finalRecipient + " is not an RFC 3463 code like 5.1.1");
    }
    diagnosticCode.ifPresent(code -> {
      // RFC 3464 §2.3.6: diagnostic-type ";" *text
      if (code.indexOf(';') <= 0) {
        throw new IllegalArgumentException("diagnostic code \"" + code + "\" of " + finalRecipient
            + " lacks its type, e.g. \"smtp; 550 5.1.1 no such user\"");
      }
    });
    originalRecipient.ifPresent(original -> {
      // RFC 3464 §2.3.1: address-type ";" generic-address
      if (original.indexOf(';') <= 0) {
        throw new IllegalArgumentException("original recipient \"" + original + "\" of " + finalRecipient
            + " lacks its address type, e.g. \"rfc822; alice@example.com\"");
      }
    });
  }
}
