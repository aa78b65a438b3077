package dev.hikyaku.console;

import dev.hikyaku.api.ApiKeyCheck;
import dev.hikyaku.api.LocalApi;
import dev.hikyaku.auth.ConsoleSignIn;
import dev.hikyaku.store.ApiKey;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.helidon.http.HeaderNames;
import io.helidon.http.SetCookie;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The console (issue 20), served under {@code /console} on the API listener: server-rendered pages
 * (JTE, escaped by default), no JavaScript. It is a client of the API in the same process ({@link
 * LocalApi}): every page shows what an API route answered and every change is an API call, made as
 * the signed-in caller, so the console can do nothing the API cannot, and a sender sees through it
 * only what its own keys would show. Sign-in is a console admin's password and TOTP code ({@link
 * ConsoleSignIn}; an operator with every scope), or an API key with scope {@code read} (the key's
 * own scopes; an operator's when it is an admin key of a console admin). The session lives in a
 * {@code __Host-} cookie (Secure, HttpOnly, SameSite=Strict, path /); every form carries a token
 * that must match (the session's, or before sign-in a double-submit cookie's), else 403. Sign-ins
 * and sign-outs are recorded for the audit log; changes are, by the routes. Each response forbids
 * framing and scripts (Content-Security-Policy).
 */
public final class Console implements Handler {

  private static final Logger log = LoggerFactory.getLogger(Console.class);

  /** The session cookie's name: __Host- makes browsers insist on Secure, path / and no Domain. */
  public static final String SESSION_COOKIE = "__Host-hikyaku-console";
  static final String SIGN_IN_COOKIE = "__Host-hikyaku-sign-in";
  private static final int MAX_FORM_OCTETS = 16 * 1024;
  private static final Pattern QUEUED = Pattern.compile("/console/queue/([A-Za-z0-9]+)");
  private static final Pattern QUEUE_ACTION = Pattern.compile("/console/queue/([A-Za-z0-9]+)/(hold|release|retry|bounce|delete)");
  private static final Pattern MESSAGE = Pattern.compile("/console/messages/([A-Za-z0-9]+)");
  private static final Pattern DOMAIN_DNS = Pattern.compile("/console/domains/([A-Za-z0-9.-]{1,253})/dns");
  private static final Pattern DOMAIN_KEYGEN = Pattern.compile("/console/domains/([A-Za-z0-9.-]{1,253})/dkim");
  private static final Pattern DOMAIN_ACTIVATE = Pattern.compile("/console/domains/([A-Za-z0-9.-]{1,253})/dkim/([A-Za-z0-9._-]{1,63})/activate");
  private static final Pattern WEBHOOK = Pattern.compile("/console/webhooks/(wh_[0-9a-f]{16})");
  private static final Pattern KEY_REVOKE = Pattern.compile("/console/keys/([A-Za-z0-9._-]{1,64})/revoke");
  /** Actions that cannot be taken back ask first, on a page of their own (no script to confirm). */
  private static final Set<String> CONFIRMED = Set.of("bounce", "delete", "flush");
  private static final List<String> QUEUE_FILTERS = List.of("state", "sender", "recipient");
  private static final List<String> MESSAGE_FILTERS = List.of("sender", "recipient", "status", "cursor");
  private static final List<String> OPERATOR_MESSAGE_FILTERS = List.of("account", "sender", "recipient", "status", "cursor");
  private static final String CSS = css();
  private static final String FORGED = "This form has expired or did not come from the console: reload the page and try again.";

  /** Where sign-ins and sign-outs are recorded (the audit log's admin changes). */
  @FunctionalInterface
  public interface AuditTrail {
    void record(String command, String subject, String detail);
  }

  private final LocalApi api;
  private final ConsoleSignIn signIn;
  private final AuditTrail audit;
  private final ConsoleSessions sessions;
  private final TemplateEngine templates = TemplateEngine.createPrecompiled(ContentType.Html);

  public Console(LocalApi api, ConsoleSignIn signIn, AuditTrail audit, SecureRandom random, Clock clock) {
    this.api = api;
    this.signIn = signIn;
    this.audit = audit;
    this.sessions = new ConsoleSessions(random, clock);
  }

  @Override
  public void handle(ServerRequest request, ServerResponse response) {
    secure(response);
    String path = request.path().path();
    String method = request.prologue().method().text();
    if (path.equals("/console/console.css") && method.equals("GET")) {
      response.header(HeaderNames.CONTENT_TYPE, "text/css; charset=utf-8");
      response.header(HeaderNames.CACHE_CONTROL, "max-age=3600");
      response.send(CSS.getBytes(StandardCharsets.UTF_8));
      return;
    }
    response.header(HeaderNames.CACHE_CONTROL, "no-store");
    if (path.equals("/console/sign-in") || path.equals("/console/sign-in/key")) {
      switch (method) {
        case "GET" -> signInPage(response, "");
        case "POST" -> signIn(request, response, path.endsWith("/key"));
        default -> methodNotAllowed(response, "GET, POST");
      }
      return;
    }
    Optional<ConsoleSessions.Session> found = sessions.find(cookie(request, SESSION_COOKIE).orElse(null));
    if (found.isEmpty()) {
      if (method.equals("GET")) {
        redirect(response, "/console/sign-in");
      } else {
        forbidden(response, "Your session has ended: sign in again.");
      }
      return;
    }
    Call call = new Call(found.get(), request, response);
    switch (method) {
      case "GET" -> get(call, path);
      case "POST" -> post(call, path);
      default -> methodNotAllowed(response, "GET, POST");
    }
  }

  /** One request of a signed-in session: the API calls it makes are the session's caller's. */
  private final class Call {
    final ConsoleSessions.Session session;
    final ServerRequest request;
    final ServerResponse response;

    Call(ConsoleSessions.Session session, ServerRequest request, ServerResponse response) {
      this.session = session;
      this.request = request;
      this.response = response;
    }

    LocalApi.Result api(String method, String target, Optional<String> json) {
      return Console.this.api.call(session.caller(), method, target, json, client(request), request.isSecure());
    }

    Nav nav(String current) {
      return new Nav(session.caller().account(), session.csrf(), session.caller().operator(), current);
    }

    String query(String name) {
      return request.query().first(name).orElse("");
    }

    String notice() {
      return request.query().first("done").map(Console::notice).orElse("");
    }
  }

  private void get(Call call, String path) {
    Matcher queued = QUEUED.matcher(path);
    Matcher action = QUEUE_ACTION.matcher(path);
    Matcher message = MESSAGE.matcher(path);
    if (path.equals("/console") || path.equals("/console/")) {
      redirect(call.response, call.session.caller().operator() ? "/console/overview" : "/console/messages");
    } else if (path.equals("/console/overview")) {
      overview(call);
    } else if (path.equals("/console/queue")) {
      String target = "/v1/queue?limit=100" + filters(call, QUEUE_FILTERS);
      show(call, "queue", "queue.jte", call.api("GET", target, Optional.empty()), values(call, QUEUE_FILTERS));
    } else if (queued.matches()) {
      show(call, "queue", "queued.jte", call.api("GET", "/v1/queue/" + queued.group(1), Optional.empty()), Map.of());
    } else if (action.matches() && CONFIRMED.contains(action.group(2))) {
      confirm(call, "/console/queue/" + action.group(1) + "/" + action.group(2), action.group(2), action.group(1));
    } else if (path.equals("/console/queue/flush")) {
      confirm(call, "/console/queue/flush", "flush", "");
    } else if (path.equals("/console/messages")) {
      // An operator searches every account's history unless naming one; a sender, its own.
      List<String> names = call.session.caller().operator() ? OPERATOR_MESSAGE_FILTERS : MESSAGE_FILTERS;
      String target = "/v1/messages?limit=50" + filters(call, names)
          + (call.session.caller().operator() && call.query("account").isBlank() ? "&account=*" : "");
      show(call, "messages", "messages.jte", call.api("GET", target, Optional.empty()), values(call, names));
    } else if (message.matches()) {
      message(call, message.group(1));
    } else if (path.equals("/console/blocks")) {
      show(call, "blocks", "blocks.jte", call.api("GET", "/v1/blocks", Optional.empty()), Map.of());
    } else if (path.equals("/console/webhooks")) {
      show(call, "webhooks", "webhooks.jte", call.api("GET", "/v1/webhooks", Optional.empty()), Map.of());
    } else if (WEBHOOK.matcher(path).matches()) {
      Matcher webhook = WEBHOOK.matcher(path);
      webhook.matches();
      show(call, "webhooks", "deliveries.jte",
          call.api("GET", "/v1/webhooks/" + webhook.group(1) + "/deliveries?limit=100", Optional.empty()), Map.of("id", webhook.group(1)));
    } else if (path.equals("/console/suppressions")) {
      String target = "/v1/suppressions?limit=100" + filters(call, List.of("cursor"));
      show(call, "suppressions", "suppressions.jte", call.api("GET", target, Optional.empty()), Map.of());
    } else if (path.equals("/console/accounts")) {
      show(call, "accounts", "accounts.jte", call.api("GET", "/v1/accounts", Optional.empty()), Map.of());
    } else if (path.equals("/console/domains")) {
      show(call, "domains", "domains.jte", call.api("GET", "/v1/domains", Optional.empty()), Map.of());
    } else if (DOMAIN_DNS.matcher(path).matches()) {
      Matcher dns = DOMAIN_DNS.matcher(path);
      dns.matches();
      show(call, "domains", "dns.jte", call.api("GET", "/v1/domains/" + dns.group(1) + "/dns", Optional.empty()), Map.of());
    } else if (path.equals("/console/keys")) {
      keys(call, "", Map.of());
    } else {
      notFound(call.response);
    }
  }

  private void post(Call call, String path) {
    Map<String, String> form = form(call.request);
    if (!ConsoleSessions.isFormToken(call.session, form.get("csrf"))) {
      log.warn("console: a form without its token from {} (POST {})", call.session.caller().account(), path);
      forbidden(call.response, FORGED);
      return;
    }
    Matcher action = QUEUE_ACTION.matcher(path);
    Matcher revoke = KEY_REVOKE.matcher(path);
    if (path.equals("/console/sign-out")) {
      sessions.close(call.session.id());
      call.response.headers().addCookie(expired(SESSION_COOKIE));
      audit.record("console sign-out", call.session.caller().account(), "");
      redirect(call.response, "/console/sign-in");
    } else if (action.matches()) {
      String id = action.group(1);
      String verb = action.group(2);
      LocalApi.Result reply = verb.equals("delete")
          ? call.api("DELETE", "/v1/queue/" + id, Optional.empty())
          : call.api("POST", "/v1/queue/" + id + "/" + verb, Optional.empty());
      done(call, reply, verb.equals("delete") || verb.equals("bounce") ? "/console/queue?done=" + verb
          : form.getOrDefault("back", "").equals("message") ? "/console/queue/" + id + "?done=" + verb : "/console/queue?done=" + verb);
    } else if (path.equals("/console/queue/flush")) {
      done(call, call.api("POST", "/v1/queue/flush", Optional.empty()), "/console/queue?done=flush");
    } else if (path.equals("/console/blocks/lift")) {
      String target = "/v1/blocks/" + segment(form.getOrDefault("scope", "")) + "/" + segment(form.getOrDefault("subject", ""));
      done(call, call.api("DELETE", target, Optional.empty()), "/console/blocks?done=lift");
    } else if (path.equals("/console/keys")) {
      createKey(call, form);
    } else if (path.equals("/console/suppressions/remove") || path.equals("/console/suppressions/add")) {
      boolean add = path.endsWith("/add");
      String target = "/v1/suppressions/" + segment(form.getOrDefault("address", "").strip());
      done(call, call.api(add ? "PUT" : "DELETE", target, Optional.empty()), "/console/suppressions?done=" + (add ? "suppress" : "unsuppress"));
    } else if (path.equals("/console/accounts")) {
      createAccount(call, form);
    } else if (path.equals("/console/accounts/senders/add") || path.equals("/console/accounts/senders/remove")) {
      String address = segment(form.getOrDefault("address", "").strip());
      String sender = form.getOrDefault("sender", "").strip();
      LocalApi.Result reply = path.endsWith("/add")
          ? call.api("POST", "/v1/accounts/" + address + "/senders", Optional.of(json("sender", sender)))
          : call.api("DELETE", "/v1/accounts/" + address + "/senders/" + segment(sender), Optional.empty());
      accountsAfter(call, reply, path.endsWith("/add") ? "sender-add" : "sender-remove", Map.of());
    } else if (path.equals("/console/accounts/app-passwords")) {
      String address = form.getOrDefault("address", "").strip();
      LocalApi.Result reply = call.api("POST", "/v1/accounts/" + segment(address) + "/app-passwords",
          Optional.of(json("name", form.getOrDefault("name", "").strip())));
      accountsAfter(call, reply, "", reply.status() == 201
          ? Map.of("created", View.text(reply.json(), "secret"), "createdName", View.text(reply.json(), "name"), "createdFor", address)
          : Map.of());
    } else if (path.equals("/console/accounts/unsuspend")) {
      String target = "/v1/accounts/" + segment(form.getOrDefault("address", "")) + "/suspension";
      done(call, call.api("DELETE", target, Optional.empty()), "/console/accounts?done=unsuspend");
    } else if (path.equals("/console/accounts/app-passwords/revoke")) {
      String target = "/v1/accounts/" + segment(form.getOrDefault("address", "")) + "/app-passwords/" + segment(form.getOrDefault("name", ""));
      done(call, call.api("DELETE", target, Optional.empty()), "/console/accounts?done=revoke-password");
    } else if (DOMAIN_ACTIVATE.matcher(path).matches()) {
      Matcher key = DOMAIN_ACTIVATE.matcher(path);
      key.matches();
      done(call, call.api("POST", "/v1/domains/" + key.group(1) + "/dkim/" + key.group(2) + "/activate", Optional.empty()),
          "/console/domains?done=activate");
    } else if (DOMAIN_KEYGEN.matcher(path).matches()) {
      Matcher domain = DOMAIN_KEYGEN.matcher(path);
      domain.matches();
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.put("algorithm", form.getOrDefault("algorithm", "rsa"));
      done(call, call.api("POST", "/v1/domains/" + domain.group(1) + "/dkim", Optional.of(body.toString())), "/console/domains?done=keygen");
    } else if (revoke.matches()) {
      done(call, call.api("DELETE", "/v1/keys/" + segment(revoke.group(1)), Optional.empty()), "/console/keys?done=revoke");
    } else {
      notFound(call.response);
    }
  }

  private void signInPage(ServerResponse response, String error) {
    String token = sessions.token();
    response.headers().addCookie(cookie(SIGN_IN_COOKIE, token, Duration.ofMinutes(15)));
    page(response, error.isEmpty() ? Status.OK_200 : Status.UNAUTHORIZED_401, "signin.jte", Map.of("csrf", token, "error", error));
  }

  private void signIn(ServerRequest request, ServerResponse response, boolean withKey) {
    Map<String, String> form = form(request);
    Optional<String> expected = cookie(request, SIGN_IN_COOKIE);
    String given = form.get("csrf");
    if (expected.isEmpty() || given == null || !MessageDigest.isEqual(expected.get().getBytes(StandardCharsets.US_ASCII),
        given.getBytes(StandardCharsets.US_ASCII))) {
      forbidden(response, FORGED);
      return;
    }
    InetAddress client = client(request);
    Optional<ApiKeyCheck.Caller> caller = withKey ? signInWithKey(form.getOrDefault("key", "").strip(), client, response)
        : signInWithPassword(form, client, response);
    if (caller == null) {
      return; // answered already
    }
    if (caller.isEmpty()) {
      signInPage(response, withKey ? "The key is not right, or it may not read." : "The account, password or code is not right.");
      return;
    }
    ConsoleSessions.Session session = sessions.open(caller.get());
    response.headers().addCookie(expired(SIGN_IN_COOKIE));
    response.headers().addCookie(cookie(SESSION_COOKIE, session.id(), null));
    audit.record("console sign-in", caller.get().account(),
        "from " + client.getHostAddress() + (withKey ? " with api key " + caller.get().keyName() : ""));
    redirect(response, "/console/");
  }

  /** The console admin's caller; empty when refused; null when the answer is given already. */
  private Optional<ApiKeyCheck.Caller> signInWithPassword(Map<String, String> form, InetAddress client, ServerResponse response) {
    char[] password = form.getOrDefault("password", "").toCharArray();
    ConsoleSignIn.Outcome outcome;
    try {
      outcome = signIn.signIn(form.getOrDefault("account", ""), password, form.get("code"), client);
    } finally {
      Arrays.fill(password, '\0');
    }
    return switch (outcome) {
      // A console admin runs the server: every scope, and the operators' routes.
      case ConsoleSignIn.Outcome.SignedIn signedIn -> Optional.of(new ApiKeyCheck.Caller("console", signedIn.account(),
          EnumSet.allOf(ApiKey.Scope.class), List.of(), ApiKey.Limits.NONE, true));
      case ConsoleSignIn.Outcome.Refused refused -> {
        log.warn("console: sign-in refused for {} from {}: {}", refused.account(), client.getHostAddress(), refused.reason());
        yield Optional.empty();
      }
      case ConsoleSignIn.Outcome.Unavailable unavailable -> {
        log.warn("console: sign-in unavailable: {}", unavailable.reason());
        plain(response, Status.SERVICE_UNAVAILABLE_503, "Sign-in is unavailable for a moment; try again.");
        yield null;
      }
    };
  }

  /** The key's caller, as the API checks it, when it may read; empty when refused; null when answered. */
  private Optional<ApiKeyCheck.Caller> signInWithKey(String key, InetAddress client, ServerResponse response) {
    if (key.isEmpty()) {
      return Optional.empty();
    }
    return switch (api.check(key, client)) {
      case ApiKeyCheck.Verdict.Valid valid when valid.caller().hasScope(ApiKey.Scope.READ) -> Optional.of(valid.caller());
      case ApiKeyCheck.Verdict.Valid valid -> {
        log.warn("console: sign-in with api key {} refused: it lacks scope read", valid.caller().keyName());
        yield Optional.empty();
      }
      case ApiKeyCheck.Verdict.Unavailable ignored -> {
        plain(response, Status.SERVICE_UNAVAILABLE_503, "Sign-in is unavailable for a moment; try again.");
        yield null;
      }
      default -> Optional.empty(); // the API logged why
    };
  }

  /** A page showing the API's answer; its problem, with the API's status, when it failed. */
  private void show(Call call, String current, String template, LocalApi.Result reply, Map<String, String> values) {
    if (!reply.isSuccess()) {
      failed(call, current, reply);
      return;
    }
    View view = new View(call.nav(current), call.notice(), "", reply.json(), values);
    page(call.response, Status.OK_200, template, Map.of("view", view));
  }

  private void failed(Call call, String current, LocalApi.Result reply) {
    View view = new View(call.nav(current), "", reply.detail(), reply.json(), Map.of("status", Integer.toString(reply.status())));
    page(call.response, Status.create(reply.status()), "failed.jte", Map.of("view", view));
  }

  /** After a change: back to the page that shows it (303), or the API's problem. */
  private void done(Call call, LocalApi.Result reply, String location) {
    if (reply.isSuccess()) {
      redirect(call.response, location);
    } else {
      failed(call, "", reply);
    }
  }

  private void confirm(Call call, String action, String verb, String id) {
    View view = new View(call.nav("queue"), "", "", JsonNodeFactory.instance.objectNode(), Map.of("action", action, "verb", verb, "id", id));
    page(call.response, Status.OK_200, "confirm.jte", Map.of("view", view));
  }

  /** A message from the history with every attempt, and its events (DSNs sent included). */
  private void message(Call call, String id) {
    LocalApi.Result message = call.api("GET", "/v1/messages/" + id, Optional.empty());
    if (!message.isSuccess()) {
      failed(call, "messages", message);
      return;
    }
    LocalApi.Result events = call.api("GET", "/v1/messages/" + id + "/events", Optional.empty());
    if (!events.isSuccess()) {
      failed(call, "messages", events);
      return;
    }
    page(call.response, Status.OK_200, "message.jte", Map.of(
        "view", new View(call.nav("messages"), "", "", message.json(), Map.of()), "events", events.json().path("data")));
  }

  /** Traffic over the last hour or day as charts, with the queue, TLS, failed logins and blocks. */
  private void overview(Call call) {
    String window = call.query("window").equals("hour") ? "hour" : "day";
    LocalApi.Result reply = call.api("GET", "/v1/stats?window=" + window, Optional.empty());
    if (!reply.isSuccess()) {
      failed(call, "overview", reply);
      return;
    }
    JsonNode stats = reply.json();
    String per = window.equals("hour") ? "per 5 minutes" : "per hour";
    page(call.response, Status.OK_200, "overview.jte", Map.of(
        "view", new View(call.nav("overview"), "", "", stats, Map.of()),
        "accepted", Chart.of("Messages accepted, " + per, stats.path("intervals"), List.of("accepted")),
        "outcomes", Chart.of("Delivery attempts, " + per, stats.path("intervals"), List.of("delivered", "deferred", "failed"))));
  }

  private void keys(Call call, String error, Map<String, String> created) {
    LocalApi.Result reply = call.api("GET", "/v1/keys", Optional.empty());
    if (!reply.isSuccess()) {
      failed(call, "keys", reply);
      return;
    }
    boolean admin = call.session.caller().hasScope(ApiKey.Scope.ADMIN);
    Map<String, String> values = new HashMap<>(created);
    values.put("admin", Boolean.toString(admin));
    View view = new View(call.nav("keys"), call.notice(), error, reply.json(), values);
    page(call.response, error.isEmpty() ? Status.OK_200 : Status.create(422), "keys.jte", Map.of("view", view));
  }

  /** A new API key through {@code POST /v1/keys}: its secret on this answer, once. */
  private void createKey(Call call, Map<String, String> form) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("name", form.getOrDefault("name", "").strip());
    ArrayNode scopes = body.putArray("scopes");
    for (ApiKey.Scope scope : ApiKey.Scope.values()) {
      if ("on".equals(form.get(scope.configName()))) {
        scopes.add(scope.configName());
      }
    }
    String account = form.getOrDefault("account", "").strip();
    if (!account.isEmpty()) {
      body.put("account", account);
    }
    LocalApi.Result reply = call.api("POST", "/v1/keys", Optional.of(body.toString()));
    if (reply.status() == 201) {
      keys(call, "", Map.of("created", View.text(reply.json(), "secret"), "createdName", View.text(reply.json(), "name")));
    } else if (reply.status() == 422 || reply.status() == 400) {
      keys(call, problemText(reply), Map.of());
    } else {
      failed(call, "keys", reply);
    }
  }

  /** A new account through {@code POST /v1/accounts}; the password only ever in that body. */
  private void createAccount(Call call, Map<String, String> form) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("address", form.getOrDefault("address", "").strip());
    body.put("password", form.getOrDefault("password", ""));
    String json = body.toString();
    accountsAfter(call, call.api("POST", "/v1/accounts", Optional.of(json)), "account-add", Map.of());
  }

  /**
   * After a change on the accounts page: back to it with a notice (303), or the page again with the
   * API's words when the request was refused (422), or the failure.
   */
  private void accountsAfter(Call call, LocalApi.Result reply, String done, Map<String, String> created) {
    if (reply.isSuccess() && created.isEmpty()) {
      redirect(call.response, "/console/accounts?done=" + done);
      return;
    }
    if (!reply.isSuccess() && reply.status() != 422 && reply.status() != 400) {
      failed(call, "accounts", reply);
      return;
    }
    LocalApi.Result list = call.api("GET", "/v1/accounts", Optional.empty());
    if (!list.isSuccess()) {
      failed(call, "accounts", list);
      return;
    }
    View view = new View(call.nav("accounts"), "", reply.isSuccess() ? "" : problemText(reply), list.json(), created);
    page(call.response, reply.isSuccess() ? Status.OK_200 : Status.create(422), "accounts.jte", Map.of("view", view));
  }

  private static String json(String member, String value) {
    return JsonNodeFactory.instance.objectNode().put(member, value).toString();
  }

  /** A problem's detail and, for an invalid request, what was wrong with each field. */
  private static String problemText(LocalApi.Result reply) {
    StringBuilder text = new StringBuilder();
    for (var error : reply.json().path("errors")) {
      String pointer = View.text(error, "pointer");
      String detail = View.text(error, "detail");
      text.append(pointer.isEmpty() ? "" : pointer.substring(1) + ": ").append(detail).append(detail.endsWith(".") ? " " : ". ");
    }
    return text.isEmpty() ? reply.detail() : text.toString().strip();
  }


  private static String filters(Call call, List<String> names) {
    StringBuilder query = new StringBuilder();
    for (String name : names) {
      String value = call.query(name).strip();
      if (!value.isEmpty()) {
        query.append('&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
      }
    }
    return query.toString();
  }

  private static Map<String, String> values(Call call, List<String> names) {
    Map<String, String> values = new HashMap<>();
    for (String name : names) {
      values.put(name, call.query(name).strip());
    }
    return values;
  }

  /** One path segment, percent-encoded (RFC 3986 §3.3): a {@code /} in a network stays in it. */
  private static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String notice(String done) {
    return switch (done) {
      case "hold" -> "The message is held: it stays in the queue, undelivered, until released.";
      case "release" -> "The message is released: it is delivered at its next attempt.";
      case "retry" -> "The message's deferred recipients are due now.";
      case "bounce" -> "The message is returning to its sender: its open recipients fail with a DSN at the next pass.";
      case "delete" -> "The message is deleted, without a DSN.";
      case "flush" -> "Every deferred recipient is due now; the scheduler retries them in batches.";
      case "lift" -> "The block is lifted: the server lets the address in again within seconds.";
      case "revoke" -> "The key is revoked: requests with it are refused from now on.";
      case "unsuspend" -> "The account may send again.";
      case "account-add" -> "The account is made: it may send as its own address; add senders or app passwords below.";
      case "sender-add" -> "The sender is added: the account may send as it.";
      case "sender-remove" -> "The sender is removed: the account may no longer send as it.";
      case "suppress" -> "The address is on the suppression list: mail to it is refused at RCPT.";
      case "unsuppress" -> "The address is off the suppression list: mail to it goes out again.";
      case "revoke-password" -> "The app password is revoked: logins with it are refused from now on.";
      case "keygen" -> "A new DKIM key is made, pending: publish its record, then activate it.";
      case "activate" -> "The key signs the domain's mail from now on (within a minute); the one it replaces is retired.";
      default -> "";
    };
  }

  private void page(ServerResponse response, Status status, String template, Map<String, Object> parameters) {
    StringOutput output = new StringOutput();
    templates.render(template, parameters, output);
    response.status(status);
    response.header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
    response.send(output.toString().getBytes(StandardCharsets.UTF_8));
  }

  private void forbidden(ServerResponse response, String why) {
    plain(response, Status.FORBIDDEN_403, why);
  }

  private void notFound(ServerResponse response) {
    plain(response, Status.NOT_FOUND_404, "There is no such page in the console.");
  }

  private void methodNotAllowed(ServerResponse response, String allow) {
    response.header(HeaderNames.ALLOW, allow);
    plain(response, Status.METHOD_NOT_ALLOWED_405, "Not allowed here.");
  }

  private static void plain(ServerResponse response, Status status, String text) {
    response.status(status);
    response.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    response.send(text.getBytes(StandardCharsets.UTF_8));
  }

  /** 303 See Other: the browser GETs the page after a form (RFC 9110 §15.4.4). */
  private static void redirect(ServerResponse response, String location) {
    response.status(Status.SEE_OTHER_303);
    response.header(HeaderNames.LOCATION, location);
    response.send();
  }

  /** No framing, no scripts, nothing from elsewhere; no sniffing, no referrer. */
  private static void secure(ServerResponse response) {
    response.header(HeaderNames.create("Content-Security-Policy"),
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    response.header(HeaderNames.create("X-Content-Type-Options"), "nosniff");
    response.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
    response.header(HeaderNames.create("X-Frame-Options"), "DENY");
  }

  private static SetCookie cookie(String name, String value, Duration maxAge) {
    SetCookie.Builder cookie = SetCookie.builder(name, value).secure(true).httpOnly(true).path("/")
        .sameSite(SetCookie.SameSite.STRICT);
    if (maxAge != null) {
      cookie.maxAge(maxAge);
    }
    return cookie.build();
  }

  private static SetCookie expired(String name) {
    return cookie(name, "", Duration.ZERO);
  }

  static Optional<String> cookie(ServerRequest request, String name) {
    for (String header : request.headers().all(HeaderNames.COOKIE, List::of)) {
      for (String pair : header.split(";")) {
        int equals = pair.indexOf('=');
        if (equals > 0 && pair.substring(0, equals).strip().equals(name)) {
          return Optional.of(pair.substring(equals + 1).strip());
        }
      }
    }
    return Optional.empty();
  }

  /** An application/x-www-form-urlencoded body, at most {@link #MAX_FORM_OCTETS}. */
  private static Map<String, String> form(ServerRequest request) {
    byte[] body;
    try (InputStream in = request.content().inputStream()) {
      body = in.readNBytes(MAX_FORM_OCTETS + 1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> form = new HashMap<>();
    if (body.length > MAX_FORM_OCTETS) {
      return form;
    }
    for (String pair : new String(body, StandardCharsets.US_ASCII).split("&")) {
      int equals = pair.indexOf('=');
      if (equals <= 0) {
        continue;
      }
      try {
        form.putIfAbsent(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException malformed) {
        // a broken %-escape: the field is left out, and the form is refused for what it lacks
      }
    }
    return form;
  }

  private static InetAddress client(ServerRequest request) {
    return request.remotePeer().address() instanceof InetSocketAddress socket ? socket.getAddress() : InetAddress.getLoopbackAddress();
  }

  private static String css() {
    try (InputStream in = Console.class.getResourceAsStream("console.css")) {
      if (in == null) {
        throw new IllegalStateException("console.css is missing from the build");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
