package dev.hikyaku.app;

import dev.hikyaku.api.Problem;
import dev.hikyaku.api.Unavailable;
import dev.hikyaku.api.WebhookEndpoints;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.store.ApiKey;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import dev.hikyaku.store.WebhookDeliveries;
import dev.hikyaku.store.WebhookDelivery;
import dev.hikyaku.store.WebhookEndpoint;
import dev.hikyaku.store.Webhooks;
import dev.hikyaku.webhooks.Dispatcher;
import dev.hikyaku.webhooks.Signature;
import dev.hikyaku.webhooks.TargetGuard;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.random.RandomGenerator;

/**
 * The API's view of the webhook endpoints ({@code store.Webhooks}): an account sees and changes its
 * own. New endpoints get an id and a secret here (the CLI makes them the same way, {@link
 * #newEndpoint}); their URL is checked by {@link TargetGuard#problemWith} when it is given, and its
 * host again before every attempt. {@code allow_private} needs {@code api.webhook-private-targets}.
 * Changes are published as the CLI's {@code webhook ...} commands record them ({@link
 * Event.AdminChange}), naming the key; the secret never is.
 */
final class ApiWebhooks implements WebhookEndpoints {

  /** How long the secret a rotation replaces keeps signing (API.md: both sign during the overlap). */
  static final Duration ROTATION_OVERLAP = Duration.ofHours(24);

  private final Store store;
  private final Dispatcher dispatcher;
  private final Events events;
  private final Clock clock;
  private final RandomGenerator random;
  private final boolean isPrivateAllowed;

  ApiWebhooks(Store store, Dispatcher dispatcher, Events events, Clock clock, RandomGenerator random, boolean isPrivateAllowed) {
    this.store = store;
    this.dispatcher = dispatcher;
    this.events = events;
    this.clock = clock;
    this.random = random;
    this.isPrivateAllowed = isPrivateAllowed;
  }

  /** A store call, its failure the API's 503. */
  @FunctionalInterface
  private interface StoreCall<T> {
    T apply() throws StoreException;
  }

  private static <T> T store(String what, StoreCall<T> call) throws Unavailable {
    try {
      return call.apply();
    } catch (StoreException e) {
      throw new Unavailable(what + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Creation create(String account, String keyName, NewEndpoint wanted) throws Unavailable {
    List<Problem.FieldError> errors = problems(account, wanted, Optional.empty());
    if (!errors.isEmpty()) {
      return new Creation.Invalid(errors);
    }
    WebhookEndpoint endpoint = newEndpoint(account, wanted.url(), wanted.events(), wanted.sendingDomain(), wanted.apiKey(),
        wanted.isPrivateAllowed(), clock.instant(), random);
    String secret = Signature.newSecret(random);
    try {
      store.webhooks().add(endpoint, secret);
    } catch (StoreException e) {
      if (e.kind() == StoreException.Kind.CONFLICT) {
        return new Creation.TooMany(Webhooks.MAX_ENDPOINTS_PER_ACCOUNT);
      }
      throw new Unavailable("adding a webhook for " + account + ": " + e.getMessage(), e);
    }
    told("webhook add", account, describe(endpoint) + " by api key " + keyName);
    return new Creation.Created(view(endpoint), secret);
  }

  /**
   * What is wrong with {@code wanted} as the account's endpoint, new or changed from {@code current}.
   * Private targets need the operator's consent ({@code api.webhook-private-targets}) to be asked
   * for, and so to aim an endpoint that has them (the CLI may have allowed it) at another URL:
   * otherwise an API key could move an operator's exception anywhere inside.
   */
  private List<Problem.FieldError> problems(String account, NewEndpoint wanted, Optional<WebhookEndpoint> current)
      throws Unavailable {
    List<Problem.FieldError> errors = new ArrayList<>();
    boolean isPrivateKept = current.isPresent() && current.get().isPrivateAllowed() && current.get().url().equals(wanted.url());
    if (wanted.isPrivateAllowed() && !isPrivateKept && !isPrivateAllowed) {
      if (current.isPresent() && current.get().isPrivateAllowed()) {
        errors.add(new Problem.FieldError("/url", "this endpoint may reach private targets, which only an operator may aim"
            + " elsewhere on this server (api.webhook-private-targets is off): give \"allow_private\": false with the URL,"
            + " or ask for hikyaku webhook change --url"));
      } else {
        errors.add(new Problem.FieldError("/allow_private", "not over the API on this server (api.webhook-private-targets is off);"
            + " an operator may add such an endpoint with hikyaku webhook add --allow-private"));
      }
    }
    urlProblem(wanted.url(), wanted.isPrivateAllowed()).ifPresent(p -> errors.add(new Problem.FieldError("/url", p)));
    // A key filter names one of the account's keys; one kept from before may have been revoked since, and may stay.
    if (wanted.apiKey().isPresent() && !wanted.apiKey().equals(current.flatMap(WebhookEndpoint::apiKey))) {
      List<ApiKey> keys = store("listing the keys of " + account, () -> store.apiKeys().list(Optional.of(account)));
      if (keys.stream().noneMatch(k -> k.name().equals(wanted.apiKey().get()))) {
        errors.add(new Problem.FieldError("/api_key", "the account has no API key of that name"));
      }
    }
    return errors;
  }

  /** Why {@code url} cannot be an endpoint's, if it cannot (the CLI asks the same). */
  static Optional<String> urlProblem(String url, boolean isPrivateAllowed) {
    try {
      return TargetGuard.problemWith(new URI(url), isPrivateAllowed);
    } catch (URISyntaxException e) {
      return Optional.of("not a URL: " + e.getReason());
    }
  }

  /** A new endpoint: {@code wh_} and 16 random hex digits as its id. */
  static WebhookEndpoint newEndpoint(String account, String url, List<String> events, Optional<String> sendingDomain,
      Optional<String> apiKey, boolean isPrivateAllowed, Instant now, RandomGenerator random) {
    byte[] id = new byte[8];
    random.nextBytes(id);
    return WebhookEndpoint.created("wh_" + HexFormat.of().formatHex(id), account, url, events, sendingDomain, apiKey,
        isPrivateAllowed, now);
  }

  /** What the audit log says of an endpoint: its id, URL, events and filters; never its secret. */
  static String describe(WebhookEndpoint endpoint) {
    StringBuilder detail = new StringBuilder(endpoint.id()).append(' ').append(endpoint.url())
        .append(" events=").append(String.join(",", endpoint.eventTypes()));
    endpoint.sendingDomain().ifPresent(d -> detail.append(" sending-domain=").append(d));
    endpoint.apiKey().ifPresent(k -> detail.append(" api-key=").append(k));
    if (endpoint.isPrivateAllowed()) {
      detail.append(" allow-private");
    }
    return detail.toString();
  }

  @Override
  public List<EndpointView> list(String account) throws Unavailable {
    return store("listing the webhooks of " + account, () -> store.webhooks().list(Optional.of(account))).stream()
        .map(ApiWebhooks::view)
        .toList();
  }

  @Override
  public Optional<EndpointView> find(String account, String id) throws Unavailable {
    return own(account, id).map(ApiWebhooks::view);
  }

  /** The endpoint {@code id} when it is {@code account}'s. */
  private Optional<WebhookEndpoint> own(String account, String id) throws Unavailable {
    return store("reading webhook " + id, () -> store.webhooks().find(id))
        .filter(endpoint -> endpoint.account().equalsIgnoreCase(account));
  }

  @Override
  public Optional<Change> change(String account, String id, NewEndpoint wanted, String keyName) throws Unavailable {
    Optional<WebhookEndpoint> current = own(account, id);
    if (current.isEmpty()) {
      return Optional.empty();
    }
    List<Problem.FieldError> errors = problems(account, wanted, current);
    if (!errors.isEmpty()) {
      return Optional.of(new Change.Invalid(errors));
    }
    WebhookEndpoint changed;
    try {
      changed = store.webhooks().change(current.get().changedTo(wanted.url(), wanted.events(), wanted.sendingDomain(),
          wanted.apiKey(), wanted.isPrivateAllowed()));
    } catch (StoreException e) {
      if (e.kind() == StoreException.Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw new Unavailable("changing webhook " + id + ": " + e.getMessage(), e);
    }
    told("webhook change", account, describe(changed) + " by api key " + keyName);
    return Optional.of(new Change.Changed(view(changed)));
  }

  @Override
  public Optional<EndpointView> enable(String account, String id, String keyName) throws Unavailable {
    Optional<WebhookEndpoint> endpoint = own(account, id);
    if (endpoint.isEmpty()) {
      return Optional.empty();
    }
    boolean wasDisabled;
    try {
      wasDisabled = store.webhooks().enable(id);
    } catch (StoreException e) {
      if (e.kind() == StoreException.Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw new Unavailable("enabling webhook " + id + ": " + e.getMessage(), e);
    }
    if (wasDisabled) {
      told("webhook enable", account, describeEnabled(endpoint.get()) + " by api key " + keyName);
      dispatcher.wake();
    }
    return own(account, id).map(ApiWebhooks::view);
  }

  /** What the audit log says of an endpoint enabled again: its id and why it had been disabled. */
  static String describeEnabled(WebhookEndpoint before) {
    return before.id() + before.disabledAt().map(at -> " (disabled since " + at + ": " + before.disabledReason().orElse("") + ")")
        .orElse("");
  }

  @Override
  public boolean remove(String account, String id, String keyName) throws Unavailable {
    Optional<WebhookEndpoint> endpoint = own(account, id);
    if (endpoint.isEmpty()) {
      return false;
    }
    try {
      store.webhooks().remove(id);
    } catch (StoreException e) {
      if (e.kind() == StoreException.Kind.NOT_FOUND) {
        return false;
      }
      throw new Unavailable("removing webhook " + id + ": " + e.getMessage(), e);
    }
    told("webhook remove", account, describe(endpoint.get()) + " by api key " + keyName);
    return true;
  }

  @Override
  public Optional<Rotated> rotate(String account, String id, String keyName) throws Unavailable {
    if (own(account, id).isEmpty()) {
      return Optional.empty();
    }
    String secret = Signature.newSecret(random);
    WebhookEndpoint rotated =
        store("rotating the secret of " + id, () -> store.webhooks().rotate(id, secret, clock.instant().plus(ROTATION_OVERLAP)));
    told("webhook rotate-secret", account, id + " by api key " + keyName);
    return Optional.of(new Rotated(view(rotated), secret));
  }

  @Override
  public Optional<List<DeliveryView>> deliveries(String account, String id, OptionalLong before, int limit) throws Unavailable {
    if (own(account, id).isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(store("reading the deliveries of " + id, () -> store.webhookDeliveries().deliveries(id, before, limit)).stream()
        .map(ApiWebhooks::view)
        .toList());
  }

  @Override
  public Optional<Replay> replay(String account, String id, Instant since, Instant until, String keyName) throws Unavailable {
    Optional<WebhookEndpoint> endpoint = own(account, id);
    if (endpoint.isEmpty()) {
      return Optional.empty();
    }
    if (!endpoint.get().isEnabled()) {
      return Optional.of(new Replay(0, false, true));
    }
    WebhookDeliveries.Replayed replayed = store("replaying to " + id,
        () -> store.webhookDeliveries().replay(id, since, until, clock.instant(), MAX_REPLAY));
    told("webhook replay", account, id + " " + since + ".." + until + " queued=" + replayed.queued() + " by api key " + keyName);
    dispatcher.wake();
    return Optional.of(new Replay(replayed.queued(), replayed.isCut(), false));
  }

  @Override
  public Optional<DeliveryView> test(String account, String id, String keyName) throws Unavailable {
    Optional<WebhookEndpoint> endpoint = own(account, id);
    if (endpoint.isEmpty()) {
      return Optional.empty();
    }
    WebhookDelivery ping = store("testing " + id, () -> dispatcher.test(endpoint.get(), store.webhooks().secrets(id)));
    return Optional.of(view(ping));
  }

  private void told(String command, String account, String detail) {
    events.publish(new Event.AdminChange(clock.instant(), command, account, detail));
  }

  static EndpointView view(WebhookEndpoint e) {
    return new EndpointView(e.id(), e.url(), e.eventTypes(), e.sendingDomain(), e.apiKey(), e.isPrivateAllowed(), e.createdAt(),
        e.disabledAt(), e.disabledReason(), e.previousSecretExpiresAt());
  }

  private static DeliveryView view(WebhookDelivery d) {
    return new DeliveryView(d.id(), d.eventSeq(), d.eventType(), d.kind(), d.status(), d.attempts(), d.nextAttemptAt(),
        d.lastAttemptAt(), d.responseStatus(), d.latencyMillis(), d.response(), d.error(), d.deliveredAt(), d.createdAt());
  }
}
