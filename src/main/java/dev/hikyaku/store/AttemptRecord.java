package dev.hikyaku.store;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One delivery attempt of one recipient, as the message history keeps it: the fields of a DSN's
 * per-recipient part (RFC 3464 §2.3) and of Postfix's {@code status=} log line. Times are truncated
 * to the millisecond here, because the store keeps milliseconds: what this record holds is what
 * {@link MessageHistory#show} returns.
 *
 * @param queueId the message
 * @param forwardPath the recipient, exactly as queued
 * @param attempt 1 for the first attempt of this recipient, 2 for the second, ...
 * @param attemptedAt when the attempt ended (a DSN's Last-Attempt-Date, RFC 3464 §2.3.7)
 * @param outcome what the attempt came to
 * @param enhancedStatus the status code, class.subject.detail (RFC 3463 §2), e.g. {@code 5.1.1}:
 *     class 2 for delivered and relayed, 4 for deferred, 4 or 5 for the failures
 * @param diagnostic {@code smtp; } and the remote reply when a remote server said it (RFC 3464
 *     §2.3.6, Diagnostic-Code), otherwise our own reason
 * @param remoteMta the server that answered, e.g. {@code mx.example.net[192.0.2.1]:25}; empty when
 *     none was reached (RFC 3464 §2.3.5)
 * @param tlsProtocol the TLS protocol of the connection, empty without TLS
 * @param tlsCipher the cipher suite of the connection, empty without TLS
 * @param delay from the message's receipt to the end of this attempt
 * @param nextAttemptAt when the recipient is due again: present exactly for {@link
 *     AttemptOutcome#DEFERRED}
 */
public record AttemptRecord(
    QueueId queueId,
    String forwardPath,
    int attempt,
    Instant attemptedAt,
    AttemptOutcome outcome,
    String enhancedStatus,
    String diagnostic,
    Optional<String> remoteMta,
    Optional<String> tlsProtocol,
    Optional<String> tlsCipher,
    Duration delay,
    Optional<Instant> nextAttemptAt) {

  // RFC 3463 §2: status-code = class "." subject "." detail; class 2, 4 or 5; 1*3 digits each after.
  private static final Pattern ENHANCED_STATUS = Pattern.compile("[245]\\.[0-9]{1,3}\\.[0-9]{1,3}");

  public AttemptRecord {
    Objects.requireNonNull(queueId, "queueId");
    Objects.requireNonNull(forwardPath, "forwardPath");
    attemptedAt = Objects.requireNonNull(attemptedAt, "attemptedAt").truncatedTo(ChronoUnit.MILLIS);
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(enhancedStatus, "enhancedStatus");
    Objects.requireNonNull(diagnostic, "diagnostic");
    Objects.requireNonNull(remoteMta, "remoteMta");
    Objects.requireNonNull(tlsProtocol, "tlsProtocol");
    Objects.requireNonNull(tlsCipher, "tlsCipher");
    delay = Duration.ofMillis(Objects.requireNonNull(delay, "delay").toMillis());
    nextAttemptAt = Objects.requireNonNull(nextAttemptAt, "nextAttemptAt").map(at -> at.truncatedTo(ChronoUnit.MILLIS));
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt numbers start at 1, was " + attempt);
    }
    if (!ENHANCED_STATUS.matcher(enhancedStatus).matches()) {
      throw new IllegalArgumentException("not an enhanced status code (RFC 3463 §2): \"" + enhancedStatus + "\"");
    }
    char statusClass = enhancedStatus.charAt(0);
    boolean isFitting = switch (outcome) {
      case DELIVERED, RELAYED -> statusClass == '2';
      case DEFERRED -> statusClass == '4';
      // A failure may carry a persistent transient code: expiry is 4.4.7 (RFC 3463 §3.5).
      case FAILED, EXPIRED, RETURNED -> statusClass != '2';
    };
    if (!isFitting) {
      throw new IllegalArgumentException(
          "recipient " + forwardPath + ": status " + enhancedStatus + " does not go with " + outcome.keyword());
    }
    if ((outcome == AttemptOutcome.DEFERRED) != nextAttemptAt.isPresent()) {
      throw new IllegalArgumentException(
          "recipient " + forwardPath + ": a next attempt time belongs to deferred only, got "
              + outcome.keyword() + " with " + nextAttemptAt);
    }
  }
}
