package dev.hikyaku.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A webhook delivery whose next attempt is due ({@link WebhookDeliveries#due}), with what sending it needs:
 * the endpoint's address and secrets, and the event (read from the feed when the attempt is made,
 * so every attempt and a replay send the same event).
 *
 * @param account the endpoint's account, whose events it gets
 * @param attempts attempts made so far (0 before the first)
 * @param kind {@code event} (fanned out from the feed) or {@code replay}
 * @param event the feed's entry; empty when the feed no longer keeps it (pruned after the history's
 *     retention)
 * @param createdAt when the delivery was queued, for "no success since" when the last retry fails
 */
public record DueWebhook(
    long deliveryId,
    String endpointId,
    String account,
    String url,
    boolean isPrivateAllowed,
    WebhookSecrets secrets,
    long eventSeq,
    String eventType,
    String kind,
    int attempts,
    Instant createdAt,
    Optional<MessageEvent> event) {

  public DueWebhook {
    Objects.requireNonNull(endpointId, "endpointId");
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(secrets, "secrets");
    Objects.requireNonNull(eventType, "eventType");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(event, "event");
  }
}
