package dev.hikyaku.api;

import dev.hikyaku.store.ApiKey;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * API keys, as {@code hikyaku api-key} manages them: an account's keys for that account, every
 * account's for the server's operators.
 *
 * <ul>
 *   <li>{@code GET /v1/keys} (scope {@code read}): the caller's account's keys, revoked ones too;
 *       an operator sees every account's, or one account's with {@code account};
 *   <li>{@code POST /v1/keys} (scope {@code admin}): {@code {"name": ..., "scopes": [...]}} makes a
 *       key for the caller's account (an operator may name another {@code account}); 201 with the
 *       key in {@code secret}, the one time it is ever shown;
 *   <li>{@code DELETE /v1/keys/{name}} (scope {@code admin}): the key revoked, 200 with it as it now
 *       is; 404 when the account has no such key (an operator's reaches every account's).
 * </ul>
 *
 * No answer holds a key's hash; the secret only the creation's.
 */
final class KeyRoutes {

  private static final Logger log = LoggerFactory.getLogger(KeyRoutes.class);

  private static final String ACCOUNT = "account";
  private static final Set<String> MEMBERS = Set.of("name", "scopes", ACCOUNT);
  private static final long MAX_BODY = 4096;

  private final KeyRing keys;

  KeyRoutes(KeyRing keys) {
    this.keys = keys;
  }

  List<Route> routes() {
    return List.of(
        new Route("GET", "/v1/keys", ApiKey.Scope.READ, this::list),
        new Route("POST", "/v1/keys", ApiKey.Scope.ADMIN, this::create),
        new Route("DELETE", "/v1/keys/{name}", ApiKey.Scope.ADMIN, this::revoke));
  }

  private Answer list(ApiRequest request) throws Refusal {
    QueryParameters query = QueryParameters.of(request, request.caller().operator() ? List.of(ACCOUNT) : List.of());
    Optional<String> account = request.caller().operator()
        ? query.text(ACCOUNT).map(a -> a.toLowerCase(Locale.ROOT))
        : Optional.of(request.caller().account());
    List<KeyRing.Entry> found;
    try {
      found = keys.list(account);
    } catch (Unavailable e) {
      log.warn("API: cannot list API keys: {}", e.getMessage());
      return new Answer.Failure(Problems.unavailable());
    }
    ArrayNode data = Page.data();
    found.forEach(key -> data.add(json(key)));
    return Page.whole(data);
  }

  private Answer create(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    JsonNode json = request.json(MAX_BODY);
    if (!json.isObject()) {
      throw new Refusal(Problems.badRequest("the request body must be a JSON object"));
    }
    JsonMembers.Errors errors = new JsonMembers.Errors();
    errors.unknownMembers(json, "", MEMBERS);
    Optional<String> name = JsonMembers.text(json, "name", "", 64, true, errors);
    if (name.isEmpty() && JsonMembers.isMissing(json, "name")) {
      errors.add("/name", "is required");
    }
    Set<ApiKey.Scope> scopes = EnumSet.noneOf(ApiKey.Scope.class);
    List<String> named = JsonMembers.array(json.get("scopes"), "/scopes", "scope names", (item, at) -> {
      Optional<ApiKey.Scope> scope = item.isString() ? ApiKey.Scope.parse(item.stringValue()) : Optional.empty();
      if (scope.isEmpty()) {
        errors.add(at, "must be one of send, read, admin");
        return Optional.empty();
      }
      scopes.add(scope.get());
      return Optional.of(scope.get().configName());
    }, errors);
    if (named.isEmpty() && errors.list.isEmpty()) {
      errors.add("/scopes", "is required: at least one of send, read, admin");
    }
    Optional<String> account = JsonMembers.text(json, ACCOUNT, "", 254, true, errors).map(a -> a.strip().toLowerCase(Locale.ROOT));
    if (account.isPresent() && !account.get().equals(request.caller().account()) && !request.caller().operator()) {
      errors.add("/account", "only the server's operators make keys for another account");
    }
    if (!errors.list.isEmpty()) {
      throw new Refusal(Problems.invalid(errors.list));
    }
    KeyRing.Creation creation;
    try {
      creation = keys.create(account.orElse(request.caller().account()), name.orElseThrow(), scopes, QueueRoutes.by(request));
    } catch (Unavailable e) {
      log.warn("API: cannot create an API key: {}", e.getMessage());
      return new Answer.Failure(Problems.unavailable());
    }
    return switch (creation) {
      case KeyRing.Creation.Created created -> {
        ObjectNode body = json(created.key());
        body.put("secret", created.secret());
        yield new Answer.Json(201, ApiRequest.JSON.writeValueAsString(body),
            Map.of("Location", "/v1/keys/" + created.key().name()));
      }
      case KeyRing.Creation.Refused refused -> new Answer.Failure(Problems.invalid(List.of(new Problem.FieldError("", refused.detail()))));
    };
  }

  private Answer revoke(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    Optional<KeyRing.Entry> revoked;
    try {
      revoked = keys.revoke(request.parameter("name"),
          request.caller().operator() ? Optional.empty() : Optional.of(request.caller().account()), QueueRoutes.by(request));
    } catch (Unavailable e) {
      log.warn("API: cannot revoke an API key: {}", e.getMessage());
      return new Answer.Failure(Problems.unavailable());
    }
    return revoked.<Answer>map(key -> new Answer.Json(200, ApiRequest.JSON.writeValueAsString(json(key))))
        .orElseGet(() -> new Answer.Failure(Problems.notFound(request.path())));
  }

  private static ObjectNode json(KeyRing.Entry key) {
    ObjectNode node = ApiRequest.JSON.createObjectNode();
    node.put("name", key.name());
    node.put("account", key.account());
    ArrayNode scopes = node.putArray("scopes");
    key.scopes().stream().map(ApiKey.Scope::configName).sorted().forEach(scopes::add);
    ArrayNode senders = node.putArray("senders");
    key.senders().forEach(senders::add);
    node.put("created_at", key.createdAt().toString());
    MessageJson.put(node, "last_used_at", key.lastUsedAt().map(Instant::toString));
    MessageJson.put(node, "revoked_at", key.revokedAt().map(Instant::toString));
    node.put("state", key.revokedAt().isPresent() ? "revoked" : "active");
    return node;
  }
}
