package dev.hikyaku.api;

import dev.hikyaku.api.WebhookEndpoints.DeliveryView;
import dev.hikyaku.api.WebhookEndpoints.EndpointView;
import dev.hikyaku.store.ApiKey;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The account's webhook endpoints (API.md §2, Standard Webhooks 1.0), every route with scope {@code
 * admin}:
 *
 * <ul>
 *   <li>{@code POST /v1/webhooks} {@code {url, events[], sending_domain?, api_key?, allow_private?}}:
 *       201 with {@code Location} and the endpoint, its {@code secret} ({@code whsec_...}) shown this
 *       once;
 *   <li>{@code GET /v1/webhooks}, {@code GET|DELETE /v1/webhooks/{id}};
 *   <li>{@code PATCH /v1/webhooks/{id}} with any of the members {@code POST} takes: those given
 *       replace the endpoint's ({@code null} drops a filter), checked as at creation; 200 with the
 *       endpoint;
 *   <li>{@code POST /v1/webhooks/{id}/enable}: a disabled endpoint enabled again; 200 with it;
 *   <li>{@code POST /v1/webhooks/{id}/rotate-secret}: a new secret, shown once; the old one signs too
 *       for 24 hours;
 *   <li>{@code GET /v1/webhooks/{id}/deliveries}: the delivery log, newest first, a page at a time;
 *   <li>{@code POST /v1/webhooks/{id}/replay} {@code {since, until}}: the events of that range sent
 *       again, with their ids;
 *   <li>{@code POST /v1/webhooks/{id}/test}: a {@code webhook.test} ping, now; its log entry.
 * </ul>
 *
 * An endpoint of another account is 404, as one that does not exist.
 */
final class WebhookRoutes {

  private static final Logger log = LoggerFactory.getLogger(WebhookRoutes.class);

  static final String CURSOR = "cursor";
  private static final String CURSOR_KIND = "d1";
  private static final String ENDPOINT = "/v1/webhooks/{id}";
  /** A request body here is a few hundred octets; this is generous. */
  static final int BODY_LIMIT = 16 * 1024;
  static final int MAX_URL_LENGTH = 2048;
  private static final Set<String> CREATE_MEMBERS = Set.of("url", "events", "sending_domain", "api_key", "allow_private");
  private static final Set<String> REPLAY_MEMBERS = Set.of("since", "until");

  private final WebhookEndpoints webhooks;

  WebhookRoutes(WebhookEndpoints webhooks) {
    this.webhooks = webhooks;
  }

  List<Route> routes() {
    return List.of(
        new Route("POST", "/v1/webhooks", ApiKey.Scope.ADMIN, this::create),
        new Route("GET", "/v1/webhooks", ApiKey.Scope.ADMIN, this::list),
        new Route("GET", ENDPOINT, ApiKey.Scope.ADMIN, this::show),
        new Route("PATCH", ENDPOINT, ApiKey.Scope.ADMIN, this::change),
        new Route("DELETE", ENDPOINT, ApiKey.Scope.ADMIN, this::remove),
        new Route("POST", ENDPOINT + "/enable", ApiKey.Scope.ADMIN, this::enable),
        new Route("POST", ENDPOINT + "/rotate-secret", ApiKey.Scope.ADMIN, this::rotate),
        new Route("GET", ENDPOINT + "/deliveries", ApiKey.Scope.ADMIN, this::deliveries),
        new Route("POST", ENDPOINT + "/replay", ApiKey.Scope.ADMIN, this::replay),
        new Route("POST", ENDPOINT + "/test", ApiKey.Scope.ADMIN, this::test));
  }

  /** A seam call that may find the store unable to answer. */
  @FunctionalInterface
  private interface Call<T> {
    T apply() throws Unavailable;
  }

  private static <T> T call(String what, Call<T> call) throws Refusal {
    try {
      return call.apply();
    } catch (Unavailable e) {
      log.warn("API: cannot {}: {}", what, e.getMessage());
      throw new Refusal(Problems.unavailable());
    }
  }

  private Answer create(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    JsonNode body = request.json(BODY_LIMIT);
    WebhookEndpoints.NewEndpoint wanted = endpoint(body, Optional.empty());
    String account = request.caller().account();
    WebhookEndpoints.Creation creation = call("add a webhook", () -> webhooks.create(account, request.caller().keyName(), wanted));
    return switch (creation) {
      case WebhookEndpoints.Creation.Created created -> {
        ObjectNode json = json(created.endpoint());
        json.put("secret", created.secret());
        yield new Answer.Json(201, ApiRequest.JSON.writeValueAsString(json),
            Map.of("Location", "/v1/webhooks/" + created.endpoint().id()));
      }
      case WebhookEndpoints.Creation.Invalid invalid -> new Answer.Failure(Problems.invalid(invalid.errors()));
      case WebhookEndpoints.Creation.TooMany tooMany -> new Answer.Failure(Problems.tooManyWebhooks(tooMany.limit()));
    };
  }

  /**
   * The endpoint the request asks for, each member checked for its shape; 422 naming every one that
   * is wrong. Creating ({@code current} empty), {@code url} and {@code events} are required;
   * changing, a member left out keeps {@code current}'s value, and at least one must be given.
   */
  private static WebhookEndpoints.NewEndpoint endpoint(JsonNode body, Optional<EndpointView> current) throws Refusal {
    if (!(body instanceof ObjectNode object)) {
      throw new Refusal(Problems.invalid(List.of(new Problem.FieldError("", "the body must be a JSON object"))));
    }
    List<Problem.FieldError> errors = new ArrayList<>();
    String members = String.join(", ", CREATE_MEMBERS.stream().sorted().toList());
    for (String name : object.propertyNames()) {
      if (!CREATE_MEMBERS.contains(name)) {
        errors.add(new Problem.FieldError("/" + pointerEscape(name), "not a member of a webhook; it takes " + members));
      }
    }
    if (current.isPresent() && object.isEmpty()) {
      errors.add(new Problem.FieldError("", "give at least one of " + members + " to change"));
    }
    String url = current.map(EndpointView::url).orElse("");
    JsonNode urlNode = object.get("url");
    if (urlNode != null || current.isEmpty()) {
      if (urlNode == null || !urlNode.isString() || urlNode.asString().isBlank()) {
        errors.add(new Problem.FieldError("/url", "required: the https:// URL to POST the events to"));
      } else if (urlNode.asString().length() > MAX_URL_LENGTH) {
        errors.add(new Problem.FieldError("/url", "at most " + MAX_URL_LENGTH + " characters"));
      } else {
        url = urlNode.asString().strip();
      }
    }
    List<String> events = new ArrayList<>(current.map(EndpointView::events).orElse(List.of()));
    JsonNode eventsNode = object.get("events");
    List<String> known = Arrays.stream(EventType.values()).map(EventType::typeName).toList();
    if (eventsNode != null || current.isEmpty()) {
      if (eventsNode == null || !eventsNode.isArray() || eventsNode.isEmpty()) {
        errors.add(new Problem.FieldError("/events", "required: a non-empty array of event types, of " + String.join(", ", known)));
      } else {
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < eventsNode.size(); i++) {
          JsonNode type = eventsNode.get(i);
          if (!type.isString() || EventType.fromTypeName(type.asString()).isEmpty()) {
            errors.add(new Problem.FieldError("/events/" + i, "not an event type; one of " + String.join(", ", known)));
          } else if (!seen.add(type.asString())) {
            errors.add(new Problem.FieldError("/events/" + i, "given twice"));
          }
        }
        events = List.copyOf(seen);
      }
    }
    Optional<String> domain = object.has("sending_domain") || current.isEmpty()
        ? optionalText(object, "sending_domain", errors) : current.get().sendingDomain();
    if (domain.isPresent() && !domain.get().matches("(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+")) {
      errors.add(new Problem.FieldError("/sending_domain", "not a domain name (in ASCII, A-labels)"));
    }
    Optional<String> key = object.has("api_key") || current.isEmpty() ? optionalText(object, "api_key", errors)
        : current.get().apiKey();
    boolean isPrivateAllowed = current.map(EndpointView::isPrivateAllowed).orElse(false);
    JsonNode privateNode = object.get("allow_private");
    if (privateNode != null && !privateNode.isNull()) {
      if (!privateNode.isBoolean()) {
        errors.add(new Problem.FieldError("/allow_private", "true or false"));
      } else {
        isPrivateAllowed = privateNode.asBoolean();
      }
    }
    if (!errors.isEmpty()) {
      throw new Refusal(Problems.invalid(errors));
    }
    return new WebhookEndpoints.NewEndpoint(url, events, domain.map(d -> d.toLowerCase(Locale.ROOT)), key, isPrivateAllowed);
  }

  private static Optional<String> optionalText(ObjectNode object, String name, List<Problem.FieldError> errors) {
    JsonNode node = object.get(name);
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    if (!node.isString() || node.asString().isBlank() || node.asString().length() > 255) {
      errors.add(new Problem.FieldError("/" + name, "a string of 1 to 255 characters, or null"));
      return Optional.empty();
    }
    return Optional.of(node.asString().strip());
  }

  /** RFC 6901 §3: {@code ~} as {@code ~0}, {@code /} as {@code ~1}. */
  private static String pointerEscape(String name) {
    return name.replace("~", "~0").replace("/", "~1");
  }

  private Answer list(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    List<EndpointView> found = call("list webhooks", () -> webhooks.list(request.caller().account()));
    ArrayNode data = Page.data();
    found.forEach(endpoint -> data.add(json(endpoint)));
    ObjectNode body = ApiRequest.JSON.createObjectNode();
    body.set("data", data);
    return new Answer.Json(200, ApiRequest.JSON.writeValueAsString(body));
  }

  private Answer show(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    Optional<EndpointView> found = call("read a webhook", () -> webhooks.find(request.caller().account(), request.parameter("id")));
    return found.<Answer>map(endpoint -> new Answer.Json(200, ApiRequest.JSON.writeValueAsString(json(endpoint))))
        .orElseGet(() -> new Answer.Failure(Problems.notFound(request.path())));
  }

  private Answer change(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    JsonNode body = request.json(BODY_LIMIT);
    String account = request.caller().account();
    String id = request.parameter("id");
    Optional<EndpointView> current = call("read a webhook", () -> webhooks.find(account, id));
    if (current.isEmpty()) {
      return new Answer.Failure(Problems.notFound(request.path()));
    }
    WebhookEndpoints.NewEndpoint wanted = endpoint(body, current);
    Optional<WebhookEndpoints.Change> change =
        call("change a webhook", () -> webhooks.change(account, id, wanted, request.caller().keyName()));
    if (change.isEmpty()) {
      return new Answer.Failure(Problems.notFound(request.path()));
    }
    return switch (change.get()) {
      case WebhookEndpoints.Change.Changed changed ->
          new Answer.Json(200, ApiRequest.JSON.writeValueAsString(json(changed.endpoint())));
      case WebhookEndpoints.Change.Invalid invalid -> new Answer.Failure(Problems.invalid(invalid.errors()));
    };
  }

  private Answer enable(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    Optional<EndpointView> enabled = call("enable a webhook",
        () -> webhooks.enable(request.caller().account(), request.parameter("id"), request.caller().keyName()));
    return enabled.<Answer>map(endpoint -> new Answer.Json(200, ApiRequest.JSON.writeValueAsString(json(endpoint))))
        .orElseGet(() -> new Answer.Failure(Problems.notFound(request.path())));
  }

  private Answer remove(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    boolean isRemoved = call("remove a webhook",
        () -> webhooks.remove(request.caller().account(), request.parameter("id"), request.caller().keyName()));
    return isRemoved ? new Answer.NoContent() : new Answer.Failure(Problems.notFound(request.path()));
  }

  private Answer rotate(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    Optional<WebhookEndpoints.Rotated> rotated = call("rotate a webhook's secret",
        () -> webhooks.rotate(request.caller().account(), request.parameter("id"), request.caller().keyName()));
    return rotated.<Answer>map(r -> {
      ObjectNode json = json(r.endpoint());
      json.put("secret", r.secret());
      return new Answer.Json(200, ApiRequest.JSON.writeValueAsString(json));
    }).orElseGet(() -> new Answer.Failure(Problems.notFound(request.path())));
  }

  private Answer deliveries(ApiRequest request) throws Refusal {
    QueryParameters query = QueryParameters.of(request, List.of(QueryParameters.LIMIT, CURSOR));
    int limit = query.limit();
    Optional<List<String>> cursor = query.cursor(CURSOR, CURSOR_KIND, 1);
    OptionalLong before = OptionalLong.empty();
    if (cursor.isPresent()) {
      if (!cursor.get().getFirst().matches("[0-9]{1,18}")) {
        throw QueryParameters.badCursor(CURSOR);
      }
      before = OptionalLong.of(Long.parseLong(cursor.get().getFirst()));
    }
    OptionalLong page = before;
    Optional<List<DeliveryView>> found = call("read a webhook's deliveries",
        () -> webhooks.deliveries(request.caller().account(), request.parameter("id"), page, limit + 1));
    if (found.isEmpty()) {
      return new Answer.Failure(Problems.notFound(request.path()));
    }
    return Page.answer(request, query, found.get(), limit, WebhookRoutes::json,
        last -> Cursor.encode(CURSOR_KIND, List.of(Long.toString(last.id()))), CURSOR);
  }

  private Answer replay(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    JsonNode body = request.json(BODY_LIMIT);
    if (!(body instanceof ObjectNode object)) {
      throw new Refusal(Problems.invalid(List.of(new Problem.FieldError("", "the body must be a JSON object"))));
    }
    List<Problem.FieldError> errors = new ArrayList<>();
    for (String name : object.propertyNames()) {
      if (!REPLAY_MEMBERS.contains(name)) {
        errors.add(new Problem.FieldError("/" + pointerEscape(name), "not a member of a replay; it takes since, until"));
      }
    }
    Optional<Instant> since = time(object, "since", errors);
    Optional<Instant> until = time(object, "until", errors);
    if (since.isPresent() && until.isPresent() && !since.get().isBefore(until.get())) {
      errors.add(new Problem.FieldError("/until", "must be after since"));
    }
    if (!errors.isEmpty()) {
      throw new Refusal(Problems.invalid(errors));
    }
    Optional<WebhookEndpoints.Replay> replay = call("replay to a webhook", () -> webhooks.replay(request.caller().account(),
        request.parameter("id"), since.orElseThrow(), until.orElseThrow(), request.caller().keyName()));
    if (replay.isEmpty()) {
      return new Answer.Failure(Problems.notFound(request.path()));
    }
    if (replay.get().isDisabled()) {
      return new Answer.Failure(Problems.webhookDisabled());
    }
    ObjectNode json = ApiRequest.JSON.createObjectNode();
    json.put("queued", replay.get().queued());
    json.put("is_cut", replay.get().isCut());
    return new Answer.Json(202, ApiRequest.JSON.writeValueAsString(json));
  }

  /** A required RFC 3339 date-time member. */
  private static Optional<Instant> time(ObjectNode object, String name, List<Problem.FieldError> errors) {
    JsonNode node = object.get(name);
    String must = "required: an RFC 3339 date-time such as 2026-12-01T09:00:00Z";
    if (node == null || !node.isString()) {
      errors.add(new Problem.FieldError("/" + name, must));
      return Optional.empty();
    }
    try {
      return Optional.of(OffsetDateTime.parse(node.asString().toUpperCase(Locale.ROOT), DateTimeFormatter.ISO_OFFSET_DATE_TIME)
          .toInstant());
    } catch (DateTimeParseException e) {
      errors.add(new Problem.FieldError("/" + name, must));
      return Optional.empty();
    }
  }

  private Answer test(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    Optional<DeliveryView> ping = call("test a webhook",
        () -> webhooks.test(request.caller().account(), request.parameter("id"), request.caller().keyName()));
    return ping.<Answer>map(d -> new Answer.Json(200, ApiRequest.JSON.writeValueAsString(json(d))))
        .orElseGet(() -> new Answer.Failure(Problems.notFound(request.path())));
  }

  private static ObjectNode json(EndpointView endpoint) {
    ObjectNode node = ApiRequest.JSON.createObjectNode();
    node.put("id", endpoint.id());
    node.put("url", endpoint.url());
    endpoint.events().forEach(node.putArray("events")::add);
    MessageJson.put(node, "sending_domain", endpoint.sendingDomain());
    MessageJson.put(node, "api_key", endpoint.apiKey());
    node.put("allow_private", endpoint.isPrivateAllowed());
    node.put("status", endpoint.disabledAt().isPresent() ? "disabled" : "enabled");
    MessageJson.put(node, "disabled_at", endpoint.disabledAt().map(Instant::toString));
    MessageJson.put(node, "disabled_reason", endpoint.disabledReason());
    MessageJson.put(node, "previous_secret_expires_at", endpoint.previousSecretExpiresAt().map(Instant::toString));
    node.put("created_at", endpoint.createdAt().toString());
    return node;
  }

  private static ObjectNode json(DeliveryView delivery) {
    ObjectNode node = ApiRequest.JSON.createObjectNode();
    node.put("id", "whd_" + delivery.id());
    if (delivery.eventSeq().isPresent()) {
      node.put("event_id", "evt_" + delivery.eventSeq().getAsLong());
    } else {
      node.putNull("event_id");
    }
    node.put("type", delivery.type());
    node.put("kind", delivery.kind());
    node.put("status", delivery.status());
    node.put("attempts", delivery.attempts());
    MessageJson.put(node, "next_attempt_at", delivery.nextAttemptAt().map(Instant::toString));
    MessageJson.put(node, "last_attempt_at", delivery.lastAttemptAt().map(Instant::toString));
    if (delivery.responseStatus().isPresent()) {
      node.put("response_status", delivery.responseStatus().getAsInt());
    } else {
      node.putNull("response_status");
    }
    if (delivery.latencyMillis().isPresent()) {
      node.put("latency_ms", delivery.latencyMillis().getAsLong());
    } else {
      node.putNull("latency_ms");
    }
    MessageJson.put(node, "response", delivery.response());
    MessageJson.put(node, "error", delivery.error());
    MessageJson.put(node, "delivered_at", delivery.deliveredAt().map(Instant::toString));
    node.put("created_at", delivery.createdAt().toString());
    return node;
  }
}
