package dev.hikyaku.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One attempt to deliver a webhook and what it leads to, as {@link WebhookDeliveries#record} writes it into
 * the delivery's row (the delivery log keeps the latest attempt's response).
 *
 * @param responseStatus the HTTP status the endpoint answered; empty when none came (refused
 *     address, connection failure, timeout)
 * @param error why it failed without a status, or what else the log should say
 * @param response at most 1 KiB of the response body
 * @param next what becomes of the delivery
 * @param nextAttemptAt present exactly for {@link Next#RETRY}
 * @param endpoint what becomes of the endpoint
 * @param disableReason why, when the endpoint is disabled
 */
public record WebhookAttempt(
    long deliveryId,
    String endpointId,
    Instant at,
    OptionalInt responseStatus,
    Optional<String> error,
    Duration latency,
    Optional<String> response,
    Next next,
    Optional<Instant> nextAttemptAt,
    EndpointChange endpoint,
    Optional<String> disableReason) {

  /** What becomes of the delivery. */
  public enum Next {
    /** A 2xx: done. */
    DELIVERED,
    /** Tried again at {@code nextAttemptAt}. */
    RETRY,
    /** Given up: the schedule is over, the endpoint is gone (410) or the event is no longer kept. */
    FAILED
  }

  /** What becomes of the endpoint. */
  public enum EndpointChange {
    KEEP,
    /** Disabled now (410 Gone): its pending deliveries fail with it. */
    DISABLE,
    /**
     * Disabled when no attempt to it has succeeded since this delivery was queued: the last retry
     * of a run of failures that lasted the whole schedule (about three days).
     */
    DISABLE_IF_FAILING
  }

  public WebhookAttempt {
    Objects.requireNonNull(endpointId, "endpointId");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(responseStatus, "responseStatus");
    Objects.requireNonNull(error, "error");
    Objects.requireNonNull(latency, "latency");
    Objects.requireNonNull(response, "response");
    Objects.requireNonNull(next, "next");
    Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(disableReason, "disableReason");
    if ((next == Next.RETRY) != nextAttemptAt.isPresent()) {
      throw new IllegalArgumentException("a next attempt time belongs to RETRY only, got " + next + " with " + nextAttemptAt);
    }
    if ((endpoint != EndpointChange.KEEP) != disableReason.isPresent()) {
      throw new IllegalArgumentException("a disabled endpoint is disabled for a reason");
    }
  }
}
