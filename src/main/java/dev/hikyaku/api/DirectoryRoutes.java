package dev.hikyaku.api;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Accounts and domains, for the server's operators (scope {@code admin}):
 *
 * <ul>
 *   <li>{@code GET /v1/accounts}: every account with its senders, state, suspension and app
 *       passwords (never a secret);
 *   <li>{@code POST /v1/accounts} {@code {"address", "password"}}: a new account (the password
 *       policy of {@code hikyaku user add}; its domain hosted here), 201;
 *   <li>{@code POST /v1/accounts/{address}/app-passwords} {@code {"name"}}: a new app password, 201
 *       with its secret, shown once; {@code POST .../senders} {@code {"sender"}} and {@code DELETE
 *       .../senders/{sender}}: what the account may send as;
 *   <li>{@code DELETE /v1/accounts/{address}/suspension}: the account may send again, 204; 404 when
 *       it was not suspended;
 *   <li>{@code DELETE /v1/accounts/{address}/app-passwords/{name}}: the app password revoked, 204;
 *   <li>{@code GET /v1/domains}: every hosted domain with its DKIM keys and their records;
 *   <li>{@code GET /v1/domains/{domain}/dns}: the domain's DNS checked record by record, with the
 *       record to publish for each one missing or wrong;
 *   <li>{@code POST /v1/domains/{domain}/dkim} {@code {"algorithm": "rsa"|"ed25519"}}: a new key,
 *       pending, 201 with the record to publish; {@code POST
 *       /v1/domains/{domain}/dkim/{selector}/activate}: sign with it, retiring the key it replaces.
 * </ul>
 */
final class DirectoryRoutes {

  private static final Logger log = LoggerFactory.getLogger(DirectoryRoutes.class);

  private final AccountDirectory accounts;
  private final DomainDesk domains;

  DirectoryRoutes(AccountDirectory accounts, DomainDesk domains) {
    this.accounts = accounts;
    this.domains = domains;
  }

  List<Route> routes() {
    return List.of(
        QueueRoutes.operator("GET", "/v1/accounts", this::accounts),
        QueueRoutes.operator("POST", "/v1/accounts", this::create),
        QueueRoutes.operator("POST", "/v1/accounts/{address}/app-passwords", this::addAppPassword),
        QueueRoutes.operator("POST", "/v1/accounts/{address}/senders", request -> changeSender(request, true)),
        QueueRoutes.operator("DELETE", "/v1/accounts/{address}/senders/{sender}", request -> changeSender(request, false)),
        QueueRoutes.operator("DELETE", "/v1/accounts/{address}/suspension", this::unsuspend),
        QueueRoutes.operator("DELETE", "/v1/accounts/{address}/app-passwords/{name}", this::revokeAppPassword),
        QueueRoutes.operator("GET", "/v1/domains", this::domains),
        QueueRoutes.operator("GET", "/v1/domains/{domain}/dns", this::dns),
        QueueRoutes.operator("POST", "/v1/domains/{domain}/dkim", this::newKey),
        QueueRoutes.operator("POST", "/v1/domains/{domain}/dkim/{selector}/activate", this::activate));
  }

  private Answer accounts(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    List<AccountDirectory.Entry> found;
    try {
      found = accounts.accounts();
    } catch (Unavailable e) {
      return unavailable("list the accounts", e);
    }
    ArrayNode data = Page.data();
    found.forEach(account -> data.add(json(account)));
    return Page.whole(data);
  }

  private Answer create(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    JsonNode json = object(request, Set.of("address", "password"));
    JsonMembers.Errors errors = new JsonMembers.Errors();
    Optional<String> address = required(json, "address", 254, errors);
    JsonNode given = json.get("password");
    if (given == null || !given.isString() || given.stringValue().isEmpty()) {
      errors.add("/password", "is required: a string");
    }
    if (!errors.list.isEmpty()) {
      throw new Refusal(Problems.invalid(errors.list));
    }
    char[] password = given.stringValue().toCharArray();
    String folded = address.orElseThrow().strip().toLowerCase(Locale.ROOT);
    try {
      AccountDirectory.Change change = accounts.create(folded, password, QueueRoutes.by(request));
      return switch (change) {
        case AccountDirectory.Change.Done done -> created(request, folded);
        case AccountDirectory.Change.NotFound ignored -> new Answer.Failure(Problems.notFound(request.path()));
        case AccountDirectory.Change.Refused refused -> refused(refused);
      };
    } catch (Unavailable e) {
      return unavailable("create an account", e);
    } finally {
      Arrays.fill(password, '\0');
    }
  }

  /** 201 with the account as the list shows it. */
  private Answer created(ApiRequest request, String address) {
    try {
      return accounts.account(address)
          .<Answer>map(a -> new Answer.Json(201, ApiRequest.JSON.writeValueAsString(json(a))))
          .orElseGet(() -> new Answer.Failure(Problems.notFound(request.path())));
    } catch (Unavailable e) {
      return unavailable("read the new account", e);
    }
  }

  private Answer addAppPassword(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    JsonMembers.Errors errors = new JsonMembers.Errors();
    Optional<String> name = required(object(request, Set.of("name")), "name", 64, errors);
    if (!errors.list.isEmpty()) {
      throw new Refusal(Problems.invalid(errors.list));
    }
    try {
      return switch (accounts.addAppPassword(address(request), name.orElseThrow(), QueueRoutes.by(request))) {
        case AccountDirectory.Change.Done done -> {
          ObjectNode body = ApiRequest.JSON.createObjectNode();
          body.put("name", name.get());
          body.put("secret", done.secret().orElseThrow());
          yield new Answer.Json(201, ApiRequest.JSON.writeValueAsString(body));
        }
        case AccountDirectory.Change.NotFound ignored -> new Answer.Failure(Problems.notFound(request.path()));
        case AccountDirectory.Change.Refused refused -> refused(refused);
      };
    } catch (Unavailable e) {
      return unavailable("add an app password", e);
    }
  }

  private Answer changeSender(ApiRequest request, boolean add) throws Refusal {
    QueryParameters.of(request, List.of());
    String sender;
    if (add) {
      JsonMembers.Errors errors = new JsonMembers.Errors();
      Optional<String> given = required(object(request, Set.of("sender")), "sender", 254, errors);
      if (!errors.list.isEmpty()) {
        throw new Refusal(Problems.invalid(errors.list));
      }
      sender = given.orElseThrow();
    } else {
      sender = request.parameter("sender");
    }
    try {
      return switch (accounts.changeSender(address(request), sender.strip().toLowerCase(Locale.ROOT), add, QueueRoutes.by(request))) {
        case AccountDirectory.Change.Done done -> add ? created(request, address(request)) : new Answer.NoContent();
        case AccountDirectory.Change.NotFound ignored -> new Answer.Failure(Problems.notFound(request.path()));
        case AccountDirectory.Change.Refused refused -> refused(refused);
      };
    } catch (Unavailable e) {
      return unavailable("change a sender", e);
    }
  }

  private static JsonNode object(ApiRequest request, Set<String> members) throws Refusal {
    JsonNode json = request.json(4096);
    if (!json.isObject()) {
      throw new Refusal(Problems.badRequest("the request body must be a JSON object"));
    }
    JsonMembers.Errors errors = new JsonMembers.Errors();
    errors.unknownMembers(json, "", members);
    if (!errors.list.isEmpty()) {
      throw new Refusal(Problems.invalid(errors.list));
    }
    return json;
  }

  private static Optional<String> required(JsonNode json, String name, int maxLength, JsonMembers.Errors errors) {
    Optional<String> value = JsonMembers.text(json, name, "", maxLength, true, errors);
    if (value.isEmpty() && JsonMembers.isMissing(json, name)) {
      errors.add("/" + name, "is required");
    }
    return value;
  }

  private static Answer refused(AccountDirectory.Change.Refused refused) {
    return new Answer.Failure(Problems.invalid(List.of(new Problem.FieldError("", refused.detail()))));
  }

  private Answer unsuspend(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    try {
      return accounts.unsuspend(address(request), QueueRoutes.by(request))
          ? new Answer.NoContent() : new Answer.Failure(Problems.notFound(request.path()));
    } catch (Unavailable e) {
      return unavailable("lift a suspension", e);
    }
  }

  private Answer revokeAppPassword(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    try {
      return accounts.revokeAppPassword(address(request), request.parameter("name"), QueueRoutes.by(request))
          ? new Answer.NoContent() : new Answer.Failure(Problems.notFound(request.path()));
    } catch (Unavailable e) {
      return unavailable("revoke an app password", e);
    }
  }

  private Answer domains(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    List<DomainDesk.Domain> found;
    try {
      found = domains.domains();
    } catch (Unavailable e) {
      return unavailable("list the domains", e);
    }
    ArrayNode data = Page.data();
    for (DomainDesk.Domain domain : found) {
      ObjectNode node = data.addObject();
      node.put("domain", domain.name());
      ArrayNode keys = node.putArray("dkim_keys");
      domain.keys().forEach(key -> keys.add(json(key)));
    }
    return Page.whole(data);
  }

  private Answer dns(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    String domain = request.parameter("domain").toLowerCase(Locale.ROOT);
    Optional<List<DomainDesk.Finding>> findings;
    try {
      findings = domains.check(domain);
    } catch (Unavailable e) {
      return unavailable("check a domain's DNS", e);
    }
    if (findings.isEmpty()) {
      return new Answer.Failure(Problems.notFound(request.path()));
    }
    ObjectNode body = ApiRequest.JSON.createObjectNode();
    body.put("domain", domain);
    body.put("in_order", findings.get().stream().allMatch(f -> f.status().equals("ok")));
    ArrayNode records = body.putArray("records");
    for (DomainDesk.Finding finding : findings.get()) {
      ObjectNode node = records.addObject();
      node.put("kind", finding.kind());
      node.put("status", finding.status());
      node.put("detail", finding.detail());
      MessageJson.put(node, "publish", finding.fix());
    }
    return new Answer.Json(200, ApiRequest.JSON.writeValueAsString(body));
  }

  private Answer newKey(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    JsonNode json = object(request, Set.of("algorithm"));
    JsonMembers.Errors errors = new JsonMembers.Errors();
    String algorithm = JsonMembers.text(json, "algorithm", "", 16, true, errors).orElse("rsa").toLowerCase(Locale.ROOT);
    if (!algorithm.equals("rsa") && !algorithm.equals("ed25519")) {
      errors.add("/algorithm", "must be rsa or ed25519");
    }
    if (!errors.list.isEmpty()) {
      throw new Refusal(Problems.invalid(errors.list));
    }
    try {
      return domains.newKey(request.parameter("domain").toLowerCase(Locale.ROOT), algorithm, QueueRoutes.by(request))
          .<Answer>map(key -> new Answer.Json(201, ApiRequest.JSON.writeValueAsString(json(key))))
          .orElseGet(() -> new Answer.Failure(Problems.notFound(request.path())));
    } catch (Unavailable e) {
      return unavailable("make a DKIM key", e);
    }
  }

  private Answer activate(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    try {
      return domains.activate(request.parameter("domain").toLowerCase(Locale.ROOT), request.parameter("selector"),
              QueueRoutes.by(request))
          .<Answer>map(key -> new Answer.Json(200, ApiRequest.JSON.writeValueAsString(json(key))))
          .orElseGet(() -> new Answer.Failure(Problems.notFound(request.path())));
    } catch (Unavailable e) {
      return unavailable("activate a DKIM key", e);
    }
  }

  private static ObjectNode json(AccountDirectory.Entry account) {
    ObjectNode node = ApiRequest.JSON.createObjectNode();
    node.put("address", account.address());
    node.put("state", account.isDisabled() ? "disabled" : "enabled");
    MessageJson.put(node, "suspended", account.suspension());
    ArrayNode senders = node.putArray("senders");
    account.senders().forEach(senders::add);
    ArrayNode passwords = node.putArray("app_passwords");
    for (AccountDirectory.AppPassword password : account.appPasswords()) {
      ObjectNode p = passwords.addObject();
      p.put("name", password.name());
      p.put("created_at", password.createdAt().toString());
      MessageJson.put(p, "last_used_at", password.lastUsedAt().map(Instant::toString));
      MessageJson.put(p, "revoked_at", password.revokedAt().map(Instant::toString));
    }
    node.put("created_at", account.createdAt().toString());
    MessageJson.put(node, "last_login_at", account.lastLoginAt().map(Instant::toString));
    return node;
  }

  private static String address(ApiRequest request) {
    return request.parameter("address").strip().toLowerCase(Locale.ROOT);
  }

  private static ObjectNode json(DomainDesk.Key key) {
    ObjectNode node = ApiRequest.JSON.createObjectNode();
    node.put("selector", key.selector());
    node.put("algorithm", key.algorithm());
    node.put("state", key.state());
    node.put("created_at", key.createdAt().toString());
    node.put("record_name", key.recordName());
    node.put("record", key.record());
    return node;
  }

  private static Answer unavailable(String what, Unavailable e) {
    log.warn("API: cannot {}: {}", what, e.getMessage());
    return new Answer.Failure(Problems.unavailable());
  }
}
