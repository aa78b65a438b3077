package dev.hikyaku.console;

import dev.hikyaku.auth.ConsoleSignIn;
import dev.hikyaku.auth.credential.GeneratedSecrets;
import dev.hikyaku.store.ApiKey;
import dev.hikyaku.store.QueueEntry;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
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
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' console (issue 20), served under {@code /console} on the API listener:
 * server-rendered pages (JTE, escaped by default), no JavaScript. Sign-in is an admin's password
 * and TOTP code ({@link ConsoleSignIn}); the session lives in a {@code __Host-} cookie (Secure,
 * HttpOnly, SameSite=Strict, path /); every form carries a token that must match (the session's,
 * or before sign-in a double-submit cookie's), else 403. Every change is recorded for the audit
 * log, naming the admin. Each response forbids framing and scripts (Content-Security-Policy).
 */
public final class Console implements Handler {

  private static final Logger log = LoggerFactory.getLogger(Console.class);

  /** The session cookie's name: __Host- makes browsers insist on Secure, path / and no Domain. */
  public static final String SESSION_COOKIE = "__Host-hikyaku-console";
  static final String SIGN_IN_COOKIE = "__Host-hikyaku-sign-in";
  private static final int MAX_FORM_OCTETS = 16 * 1024;
  private static final int QUEUE_ROWS = 200;
  private static final Pattern QUEUE_ACTION = Pattern.compile("/console/queue/([^/]+)/(hold|release)");
  private static final String CSS = css();

  private final Store store;
  private final SecureRandom random;
  private final Clock clock;
  private final ConsoleSignIn signIn;
  private final ConsoleSessions sessions;
  private final TemplateEngine templates = TemplateEngine.createPrecompiled(ContentType.Html);

  public Console(Store store, ConsoleSignIn signIn, SecureRandom random, Clock clock) {
    this.store = store;
    this.random = random;
    this.clock = clock;
    this.signIn = signIn;
    this.sessions = new ConsoleSessions(random, clock);
  }

  @Override
  public void handle(ServerRequest request, ServerResponse response) {
    secure(response);
    String path = request.path().path();
    String method = request.prologue().method().text();
    try {
      if (path.equals("/console/console.css") && method.equals("GET")) {
        response.header(HeaderNames.CONTENT_TYPE, "text/css; charset=utf-8");
        response.header(HeaderNames.CACHE_CONTROL, "max-age=3600");
        response.send(CSS.getBytes(StandardCharsets.UTF_8));
        return;
      }
      response.header(HeaderNames.CACHE_CONTROL, "no-store");
      if (path.equals("/console/sign-in")) {
        switch (method) {
          case "GET" -> signInPage(response, "");
          case "POST" -> signIn(request, response);
          default -> methodNotAllowed(response, "GET, POST");
        }
        return;
      }
      Optional<ConsoleSessions.Session> session = sessions.find(cookie(request, SESSION_COOKIE).orElse(null));
      if (session.isEmpty()) {
        if (method.equals("GET")) {
          redirect(response, "/console/sign-in");
        } else {
          forbidden(response, "Your session has ended: sign in again.");
        }
        return;
      }
      if (path.equals("/console") || path.equals("/console/")) {
        if (!method.equals("GET")) {
          methodNotAllowed(response, "GET");
          return;
        }
        overview(request, response, session.get());
        return;
      }
      if (method.equals("GET") && path.equals("/console/blocks")) {
        blocksPage(request, response, session.get());
        return;
      }
      if (method.equals("GET") && path.equals("/console/keys")) {
        keysPage(response, session.get(), Optional.empty(), "", "");
        return;
      }
      if (!method.equals("POST")) {
        notFound(response);
        return;
      }
      Map<String, String> form = form(request);
      if (!ConsoleSessions.isFormToken(session.get(), form.get("csrf"))) {
        log.warn("console: a form without its token from {} ({} {})", session.get().account(), method, path);
        forbidden(response, "This form has expired or did not come from the console: reload the page and try again.");
        return;
      }
      if (path.equals("/console/sign-out")) {
        sessions.close(session.get().id());
        response.headers().addCookie(expired(SESSION_COOKIE));
        store.adminChanges().record("console sign-out", session.get().account(), "");
        redirect(response, "/console/sign-in");
        return;
      }
      if (path.equals("/console/blocks/lift")) {
        liftBlock(response, session.get(), form.getOrDefault("scope", ""), form.getOrDefault("subject", ""));
        return;
      }
      if (path.equals("/console/keys")) {
        createKey(response, session.get(), form);
        return;
      }
      Matcher action = QUEUE_ACTION.matcher(path);
      if (action.matches()) {
        queueAction(response, session.get(), action.group(1), action.group(2));
        return;
      }
      notFound(response);
    } catch (StoreException e) {
      log.warn("console: {} {}: {}", method, path, e.getMessage());
      plain(response, Status.SERVICE_UNAVAILABLE_503, "The store did not answer; try again in a moment.");
    }
  }

  private void signInPage(ServerResponse response, String error) {
    String token = sessions.token();
    response.headers().addCookie(cookie(SIGN_IN_COOKIE, token, Duration.ofMinutes(15)));
    page(response, error.isEmpty() ? Status.OK_200 : Status.UNAUTHORIZED_401, "signin.jte", Map.of("csrf", token, "error", error));
  }

  private void signIn(ServerRequest request, ServerResponse response) throws StoreException {
    Map<String, String> form = form(request);
    Optional<String> expected = cookie(request, SIGN_IN_COOKIE);
    String given = form.get("csrf");
    if (expected.isEmpty() || given == null || !MessageDigest.isEqual(expected.get().getBytes(StandardCharsets.US_ASCII),
        given.getBytes(StandardCharsets.US_ASCII))) {
      forbidden(response, "This form has expired or did not come from the console: reload the page and try again.");
      return;
    }
    char[] password = form.getOrDefault("password", "").toCharArray();
    ConsoleSignIn.Outcome outcome;
    try {
      outcome = signIn.signIn(form.getOrDefault("account", ""), password, form.get("code"), client(request));
    } finally {
      Arrays.fill(password, '\0');
    }
    switch (outcome) {
      case ConsoleSignIn.Outcome.SignedIn signedIn -> {
        ConsoleSessions.Session session = sessions.open(signedIn.account());
        response.headers().addCookie(expired(SIGN_IN_COOKIE));
        response.headers().addCookie(cookie(SESSION_COOKIE, session.id(), null));
        store.adminChanges().record("console sign-in", signedIn.account(), "from " + client(request).getHostAddress());
        redirect(response, "/console/");
      }
      case ConsoleSignIn.Outcome.Refused refused -> {
        log.warn("console: sign-in refused for {} from {}: {}", refused.account(), client(request).getHostAddress(), refused.reason());
        signInPage(response, "The account, password or code is not right.");
      }
      case ConsoleSignIn.Outcome.Unavailable unavailable -> {
        log.warn("console: sign-in unavailable: {}", unavailable.reason());
        plain(response, Status.SERVICE_UNAVAILABLE_503, "Sign-in is unavailable for a moment; try again.");
      }
    }
  }

  private void overview(ServerRequest request, ServerResponse response, ConsoleSessions.Session session) throws StoreException {
    List<QueueEntry> queued = store.queueAdmin().list(
        new QueueQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), QUEUE_ROWS));
    List<OverviewPage.Row> rows = queued.stream().map(e -> new OverviewPage.Row(e.id().toString(),
        e.receivedAt().truncatedTo(ChronoUnit.SECONDS).toString(), e.reversePath().isEmpty() ? "<>" : e.reversePath(),
        e.recipientCount(), e.state().stored())).toList();
    String notice = request.query().first("done").map(Console::notice).orElse("");
    Optional<String> oldest = rows.isEmpty() ? Optional.empty() : Optional.of(rows.getFirst().received());
    page(response, Status.OK_200, "overview.jte", Map.of("page", new OverviewPage(session.account(), session.csrf(), notice, oldest, rows)));
  }

  private void queueAction(ServerResponse response, ConsoleSessions.Session session, String id, String action) throws StoreException {
    Optional<QueueId> queueId = QueueId.parse(id);
    if (queueId.isEmpty()) {
      notFound(response);
      return;
    }
    if (action.equals("hold")) {
      store.queueAdmin().hold(queueId.get());
    } else {
      store.queueAdmin().release(queueId.get());
    }
    store.adminChanges().record("queue " + action, queueId.get().value(), "console " + session.account());
    redirect(response, "/console/?done=" + action);
  }

  private static String notice(String done) {
    return switch (done) {
      case "hold" -> "The message is held: it stays in the queue, undelivered, until released.";
      case "release" -> "The message is released: it is delivered at its next attempt.";
      case "lift" -> "The block is lifted: the server lets the address in again within seconds.";
      default -> "";
    };
  }

  private void blocksPage(ServerRequest request, ServerResponse response, ConsoleSessions.Session session) throws StoreException {
    List<BlocksPage.Row> rows = store.defences().activeBlocks(clock.instant()).stream()
        .map(b -> new BlocksPage.Row(b.scope(), b.subject(), b.until().truncatedTo(ChronoUnit.SECONDS).toString(), b.reason()))
        .toList();
    String notice = request.query().first("done").map(Console::notice).orElse("");
    page(response, Status.OK_200, "blocks.jte", Map.of("page", new BlocksPage(session.account(), session.csrf(), notice, rows)));
  }

  private void liftBlock(ServerResponse response, ConsoleSessions.Session session, String scope, String subject) throws StoreException {
    if (!store.defences().unblock(scope, subject)) {
      notFound(response);
      return;
    }
    store.adminChanges().record("blocks remove", scope + " " + subject, "console " + session.account());
    redirect(response, "/console/blocks?done=lift");
  }

  private void keysPage(ServerResponse response, ConsoleSessions.Session session, Optional<String> created, String createdName,
      String error) throws StoreException {
    List<KeysPage.Row> rows = store.apiKeys().list(Optional.empty()).stream()
        .map(k -> new KeysPage.Row(k.name(), k.account(),
            k.scopes().stream().map(ApiKey.Scope::configName).sorted().collect(Collectors.joining(", ")),
            k.createdAt().truncatedTo(ChronoUnit.SECONDS).toString(), k.revokedAt().isPresent() ? "revoked" : "active"))
        .toList();
    page(response, error.isEmpty() ? Status.OK_200 : Status.create(422), "keys.jte",
        Map.of("page", new KeysPage(session.account(), session.csrf(), created, createdName, error, rows)));
  }

  /** A new API key, as {@code hikyaku api-key add} makes one: its secret on this page, once. */
  private void createKey(ServerResponse response, ConsoleSessions.Session session, Map<String, String> form) throws StoreException {
    String account = form.getOrDefault("account", "").strip().toLowerCase(Locale.ROOT);
    String name = form.getOrDefault("name", "").strip();
    Set<ApiKey.Scope> scopes = EnumSet.noneOf(ApiKey.Scope.class);
    for (ApiKey.Scope scope : ApiKey.Scope.values()) {
      if ("on".equals(form.get(scope.configName()))) {
        scopes.add(scope);
      }
    }
    String error = !name.matches("[A-Za-z0-9._-]{1,64}") ? "A key's name is 1 to 64 of A-Z a-z 0-9 . _ -."
        : scopes.isEmpty() ? "Choose at least one scope."
        : store.accounts().find(account).isEmpty() ? "There is no account " + account + "."
        : "";
    if (!error.isEmpty()) {
      keysPage(response, session, Optional.empty(), "", error);
      return;
    }
    String key = GeneratedSecrets.newApiKey(random);
    try {
      store.apiKeys().add(account, name, GeneratedSecrets.keyedHash(store.serverSecret().value(), key), scopes, List.of(),
          List.of(), ApiKey.Limits.NONE);
    } catch (StoreException e) {
      if (e.kind() == StoreException.Kind.CONFLICT) {
        keysPage(response, session, Optional.empty(), "", "A key named " + name + " exists already.");
        return;
      }
      throw e;
    }
    store.adminChanges().record("api-key add", account, name + " scopes="
        + scopes.stream().map(ApiKey.Scope::configName).sorted().collect(Collectors.joining(",")) + " (console " + session.account() + ")");
    keysPage(response, session, Optional.of(key), name, "");
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
