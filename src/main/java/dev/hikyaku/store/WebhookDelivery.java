package dev.hikyaku.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One entry of a webhook endpoint's delivery log: an event (or a test ping) sent to it, where its
 * delivery stands and what the latest attempt got back.
 *
 * @param eventSeq the feed's event; empty for a test ping
 * @param eventType the event's type; {@code webhook.test} for a ping
 * @param kind {@code event}, {@code replay} or {@code test}
 * @param status {@code pending}, {@code delivered} or {@code failed}
 */
public record WebhookDelivery(
    long id,
    String endpointId,
    OptionalLong eventSeq,
    String eventType,
    String kind,
    String status,
    int attempts,
    Optional<Instant> nextAttemptAt,
    Optional<Instant> lastAttemptAt,
    OptionalInt responseStatus,
    Optional<String> error,
    OptionalLong latencyMillis,
    Optional<String> response,
    Optional<Instant> deliveredAt,
    Instant createdAt) {

  public WebhookDelivery {
    Objects.requireNonNull(endpointId, "endpointId");
    Objects.requireNonNull(eventSeq, "eventSeq");
    Objects.requireNonNull(eventType, "eventType");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
    Objects.requireNonNull(lastAttemptAt, "lastAttemptAt");
    Objects.requireNonNull(responseStatus, "responseStatus");
    Objects.requireNonNull(error, "error");
    Objects.requireNonNull(latencyMillis, "latencyMillis");
    Objects.requireNonNull(response, "response");
    Objects.requireNonNull(deliveredAt, "deliveredAt");
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
