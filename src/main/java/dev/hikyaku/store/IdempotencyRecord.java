package dev.hikyaku.store;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * The answer to an API request that queued a message, kept under the request's idempotency scope
 * (draft-ietf-httpapi-idempotency-key-header-07 §2) so that the same request repeated within {@link
 * #KEPT_FOR} is answered again instead of queueing a second message. Written in the transaction that
 * queues the message ({@link NewMessage#idempotency()}), so a crash never leaves one without the other.
 *
 * @param scope the API key's name, the request path and the Idempotency-Key, as the API forms it
 * @param fingerprint SHA-256 of the request body, lower-case hex: the same key with another body is
 *     a different request
 * @param queueId the message the request queued
 * @param status the HTTP status answered
 * @param response the body answered
 * @param createdAt truncated to the millisecond, as the store keeps it
 */
public record IdempotencyRecord(
    String scope, String fingerprint, QueueId queueId, int status, String response, Instant createdAt) {

  /** How long a record answers (API.md §2, as Resend and SparkPost keep theirs): 24 hours. */
  public static final Duration KEPT_FOR = Duration.ofHours(24);

  public IdempotencyRecord {
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(queueId, "queueId");
    Objects.requireNonNull(response, "response");
    createdAt = Objects.requireNonNull(createdAt, "createdAt").truncatedTo(ChronoUnit.MILLIS);
  }

  /** Whether the record still answers at {@code now}: younger than {@link #KEPT_FOR}. */
  public boolean isCurrentAt(Instant now) {
    return createdAt.isAfter(now.minus(KEPT_FOR));
  }
}
