package dev.hikyaku.store;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A webhook endpoint (V15): where the events of one account's feed are POSTed, which of them, and
 * how. Its signing secrets are not part of it ({@link WebhookSecrets}): an endpoint is listed and
 * logged, a secret never is.
 *
 * @param id {@code wh_} and 16 hex digits
 * @param account the account whose events it receives, lower-case
 * @param eventTypes the feed's type names it wants ({@code message.bounced}, ...), at least one
 * @param sendingDomain only events of messages from this domain (the reverse path's), lower-case
 * @param apiKey only events of messages sent with this API key (by name)
 * @param isPrivateAllowed whether it may be reached at a loopback, private or link-local address,
 *     and over plain {@code http://} (a test receiver, an internal service an operator allowed)
 * @param previousSecretExpiresAt while present and in the future, the secret before the last
 *     rotation signs too
 * @param lastSuccessAt the last attempt a 2xx answered
 */
public record WebhookEndpoint(
    String id,
    String account,
    String url,
    List<String> eventTypes,
    Optional<String> sendingDomain,
    Optional<String> apiKey,
    boolean isPrivateAllowed,
    Instant createdAt,
    Optional<Instant> disabledAt,
    Optional<String> disabledReason,
    Optional<Instant> previousSecretExpiresAt,
    Optional<Instant> lastSuccessAt) {

  public WebhookEndpoint {
    Objects.requireNonNull(id, "id");
    account = Objects.requireNonNull(account, "account").toLowerCase(Locale.ROOT);
    Objects.requireNonNull(url, "url");
    eventTypes = List.copyOf(eventTypes);
    if (eventTypes.isEmpty()) {
      throw new IllegalArgumentException("an endpoint wants at least one event type");
    }
    sendingDomain = Objects.requireNonNull(sendingDomain, "sendingDomain").map(d -> d.toLowerCase(Locale.ROOT));
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(disabledAt, "disabledAt");
    Objects.requireNonNull(disabledReason, "disabledReason");
    Objects.requireNonNull(previousSecretExpiresAt, "previousSecretExpiresAt");
    Objects.requireNonNull(lastSuccessAt, "lastSuccessAt");
  }

  /** A new endpoint, enabled, never delivered to. */
  public static WebhookEndpoint created(String id, String account, String url, List<String> eventTypes,
      Optional<String> sendingDomain, Optional<String> apiKey, boolean isPrivateAllowed, Instant at) {
    return new WebhookEndpoint(id, account, url, eventTypes, sendingDomain, apiKey, isPrivateAllowed, at, Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** This endpoint aimed at {@code url} for these event types and filters; the rest as it is. */
  public WebhookEndpoint changedTo(String url, List<String> eventTypes, Optional<String> sendingDomain, Optional<String> apiKey,
      boolean isPrivateAllowed) {
    return new WebhookEndpoint(id, account, url, eventTypes, sendingDomain, apiKey, isPrivateAllowed, createdAt, disabledAt,
        disabledReason, previousSecretExpiresAt, lastSuccessAt);
  }

  public boolean isEnabled() {
    return disabledAt.isEmpty();
  }

  /**
   * Whether it wants an event of {@code type} of a message sent from {@code reversePath} with
   * {@code apiKey} (empty: without one; the reverse path empty when the history no longer has the
   * message, which then matches no domain or key filter).
   *
   * <p>An event without a message ({@code message.suppressed} of a send refused whole, or at RCPT)
   * has no history: {@code reversePath} is then the refused send's own sender, from the event's data,
   * so the domain filter holds for it as for any other; its key is not known, so an endpoint with a
   * key filter does not get it. A filter promises that nothing outside it arrives, which sending it
   * anyway would break; and the application that used the key was told of the refusal in the answer
   * to its send.
   */
  public boolean wants(String type, Optional<String> reversePath, Optional<String> messageApiKey) {
    if (!eventTypes.contains(type)) {
      return false;
    }
    if (sendingDomain.isPresent()) {
      String domain = reversePath.map(p -> p.substring(p.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT)).orElse("");
      if (!domain.equals(sendingDomain.get())) {
        return false;
      }
    }
    return apiKey.isEmpty() || apiKey.equals(messageApiKey);
  }
}
