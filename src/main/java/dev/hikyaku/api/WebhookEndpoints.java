package dev.hikyaku.api;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The webhook endpoints of an account as the API shows and changes them. The app backs it with
 * {@code store.Webhooks}, the secrets of {@code webhooks.Signature} and the test ping of {@code
 * webhooks.Dispatcher}; the api package sees only these views. An endpoint of another account is
 * as absent as one that does not exist. Every change is told as an administrator's ({@code
 * webhook add}, {@code webhook remove}, ...), naming the key.
 */
public interface WebhookEndpoints {

  /** No endpoints, and none can be made. */
  WebhookEndpoints NONE = new WebhookEndpoints() {
    @Override
    public Creation create(String account, String keyName, NewEndpoint endpoint) {
      return new Creation.Invalid(List.of(new Problem.FieldError("", "this server keeps no webhooks")));
    }

    @Override
    public List<EndpointView> list(String account) {
      return List.of();
    }

    @Override
    public Optional<EndpointView> find(String account, String id) {
      return Optional.empty();
    }

    @Override
    public Optional<Change> change(String account, String id, NewEndpoint wanted, String keyName) {
      return Optional.empty();
    }

    @Override
    public Optional<EndpointView> enable(String account, String id, String keyName) {
      return Optional.empty();
    }

    @Override
    public boolean remove(String account, String id, String keyName) {
      return false;
    }

    @Override
    public Optional<Rotated> rotate(String account, String id, String keyName) {
      return Optional.empty();
    }

    @Override
    public Optional<List<DeliveryView>> deliveries(String account, String id, OptionalLong before, int limit) {
      return Optional.empty();
    }

    @Override
    public Optional<Replay> replay(String account, String id, Instant since, Instant until, String keyName) {
      return Optional.empty();
    }

    @Override
    public Optional<DeliveryView> test(String account, String id, String keyName) {
      return Optional.empty();
    }
  };

  /** Events of one replay at most: a wider range is cut there ({@link Replay#isCut}). */
  int MAX_REPLAY = 10_000;

  /**
   * Adds an endpoint for {@code account}: its URL, event types and filters checked, a new secret
   * made.
   *
   * @throws Unavailable if the store cannot answer now
   */
  Creation create(String account, String keyName, NewEndpoint endpoint) throws Unavailable;

  /** The account's endpoints, oldest first (at most 20). */
  List<EndpointView> list(String account) throws Unavailable;

  /** The account's endpoint {@code id}. */
  Optional<EndpointView> find(String account, String id) throws Unavailable;

  /**
   * Gives the account's endpoint {@code id} the URL, events and filters of {@code wanted} (the
   * route laid the request's members over the endpoint's own), checked as {@link #create} checks
   * them; its secrets, state and delivery log stay. Empty when the account has no such endpoint.
   */
  Optional<Change> change(String account, String id, NewEndpoint wanted, String keyName) throws Unavailable;

  /**
   * Enables the account's endpoint {@code id} again, if it is disabled: it gets the events from now
   * on; those that failed with it, or came while it was disabled, only by a {@link #replay}.
   */
  Optional<EndpointView> enable(String account, String id, String keyName) throws Unavailable;

  /** Removes the account's endpoint {@code id} and its delivery log; false when it has none such. */
  boolean remove(String account, String id, String keyName) throws Unavailable;

  /** A new secret for the account's endpoint {@code id}; the old one signs too for 24 hours. */
  Optional<Rotated> rotate(String account, String id, String keyName) throws Unavailable;

  /** The delivery log of the account's endpoint {@code id}, newest first, before {@code before}. */
  Optional<List<DeliveryView>> deliveries(String account, String id, OptionalLong before, int limit) throws Unavailable;

  /** Queues the account's events of [{@code since}, {@code until}) that the endpoint wants again. */
  Optional<Replay> replay(String account, String id, Instant since, Instant until, String keyName) throws Unavailable;

  /** Sends a test ping to the account's endpoint {@code id} now; its log entry. */
  Optional<DeliveryView> test(String account, String id, String keyName) throws Unavailable;

  /**
   * What {@code POST /v1/webhooks} asks for, as parsed (the route checked the shapes; the backing
   * checks the rest).
   *
   * @param events {@link EventType} names, at least one, no repeats
   */
  record NewEndpoint(String url, List<String> events, Optional<String> sendingDomain, Optional<String> apiKey,
      boolean isPrivateAllowed) {
    public NewEndpoint {
      Objects.requireNonNull(url, "url");
      events = List.copyOf(events);
      Objects.requireNonNull(sendingDomain, "sendingDomain");
      Objects.requireNonNull(apiKey, "apiKey");
    }
  }

  /** One endpoint; never its secret. */
  record EndpointView(String id, String url, List<String> events, Optional<String> sendingDomain, Optional<String> apiKey,
      boolean isPrivateAllowed, Instant createdAt, Optional<Instant> disabledAt, Optional<String> disabledReason,
      Optional<Instant> previousSecretExpiresAt) {
    public EndpointView {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(url, "url");
      events = List.copyOf(events);
      Objects.requireNonNull(sendingDomain, "sendingDomain");
      Objects.requireNonNull(apiKey, "apiKey");
      Objects.requireNonNull(createdAt, "createdAt");
      Objects.requireNonNull(disabledAt, "disabledAt");
      Objects.requireNonNull(disabledReason, "disabledReason");
      Objects.requireNonNull(previousSecretExpiresAt, "previousSecretExpiresAt");
    }
  }

  /** What {@link #create} did. */
  sealed interface Creation {
    /** Added; {@code secret} is shown this once. */
    record Created(EndpointView endpoint, String secret) implements Creation {
      public Created {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(secret, "secret");
      }
    }

    /** Members of the request that cannot be, each by its pointer. */
    record Invalid(List<Problem.FieldError> errors) implements Creation {
      public Invalid {
        errors = List.copyOf(errors);
      }
    }

    /** The account has as many endpoints as it may. */
    record TooMany(int limit) implements Creation {}
  }

  /** What {@link #change} did. */
  sealed interface Change {
    /** Changed; the endpoint as it now is. */
    record Changed(EndpointView endpoint) implements Change {
      public Changed {
        Objects.requireNonNull(endpoint, "endpoint");
      }
    }

    /** Members of the request that cannot be, each by its pointer; nothing was changed. */
    record Invalid(List<Problem.FieldError> errors) implements Change {
      public Invalid {
        errors = List.copyOf(errors);
      }
    }
  }

  /** The endpoint after a rotation, and its new secret, shown this once. */
  record Rotated(EndpointView endpoint, String secret) {
    public Rotated {
      Objects.requireNonNull(endpoint, "endpoint");
      Objects.requireNonNull(secret, "secret");
    }
  }

  /**
   * What a replay queued: how many events, or that the endpoint is disabled and nothing was.
   *
   * @param isCut whether the range held more than {@link #MAX_REPLAY} events it wants
   */
  record Replay(int queued, boolean isCut, boolean isDisabled) {}

  /**
   * One entry of the delivery log.
   *
   * @param eventSeq the event's place in the feed ({@code evt_<seq>}); empty for a test ping
   * @param kind {@code event}, {@code replay} or {@code test}
   * @param status {@code pending}, {@code delivered} or {@code failed}
   */
  record DeliveryView(long id, OptionalLong eventSeq, String type, String kind, String status, int attempts,
      Optional<Instant> nextAttemptAt, Optional<Instant> lastAttemptAt, OptionalInt responseStatus, OptionalLong latencyMillis,
      Optional<String> response, Optional<String> error, Optional<Instant> deliveredAt, Instant createdAt) {
    public DeliveryView {
      Objects.requireNonNull(eventSeq, "eventSeq");
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
      Objects.requireNonNull(lastAttemptAt, "lastAttemptAt");
      Objects.requireNonNull(responseStatus, "responseStatus");
      Objects.requireNonNull(latencyMillis, "latencyMillis");
      Objects.requireNonNull(response, "response");
      Objects.requireNonNull(error, "error");
      Objects.requireNonNull(deliveredAt, "deliveredAt");
      Objects.requireNonNull(createdAt, "createdAt");
    }
  }
}
