package dev.hikyaku.api;

import dev.hikyaku.net.TlsContexts;
import dev.hikyaku.net.WebServers;
import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP JSON API listener on Helidon SE (one virtual thread per request), over TLS with the
 * server's own certificate. Every request passes, in order:
 *
 * <ol>
 *   <li>a method the API never serves: 405 with {@code Allow};
 *   <li>{@code GET /v1/openapi.yaml}: the contract, to anyone;
 *   <li>{@code POST /tlsrpt}: a TLS report (RFC 8460 §5.4) about one of our domains, from anyone
 *       ({@link TlsReportPost}); {@code GET /.well-known/mta-sts.txt}: our MTA-STS policy
 *       ({@link PolicyFile});
 *   <li>no {@code Authorization: Bearer} header, or a token {@link ApiKeyCheck} does not accept: 401
 *       with {@code WWW-Authenticate: Bearer} (RFC 6750 §3); a key used from outside its allow-list:
 *       403;
 *   <li>the route table ({@link RouteTable}): no route for the path 404; routes for the path but not
 *       the method 405 with their {@code Allow}; a key without the route's scope 403 {@code
 *       insufficient_scope}; else the route's handler answers.
 * </ol>
 *
 * Every error is an RFC 9457 problem ({@link Problems}); a fault of a handler is a 500 whose details
 * go to the log only.
 */
public final class ApiServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

  /** The methods the API serves on some path; any other is 405 everywhere. */
  static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE");

  private static final String BEARER = "bearer ";

  private final WebServer server;

  private ApiServer(WebServer server) {
    this.server = server;
  }

  /**
   * Binds {@code address}:{@code port} (0: an ephemeral port, see {@link #port()}) and starts
   * serving.
   *
   * @param tls the server's TLS identity, followed across reloads; empty only for plain HTTP, which
   *     the config allows on loopback alone
   * @param backends who keys speak for, and the store, policy and intake behind the routes
   * @throws StartFailure if the port cannot be bound; the message names the socket address
   */
  public static ApiServer start(
      InetAddress address, int port, Optional<TlsContexts> tls, Backends backends)
      throws StartFailure {
    return start(address, port, tls, backends, PolicyFile.NONE);
  }

  /** As {@link #start(InetAddress, int, Optional, Backends)}, publishing {@code policy} for the hosted domains. */
  public static ApiServer start(
      InetAddress address, int port, Optional<TlsContexts> tls, Backends backends, PolicyFile policy)
      throws StartFailure {
    return start(address, port, tls, backends, policy, Optional.empty());
  }

  /**
   * As {@link #start(InetAddress, int, Optional, Backends, PolicyFile)}, with {@code console}
   * answering every path under {@code /console} (issue 20's web console) before the API's checks.
   */
  public static ApiServer start(
      InetAddress address, int port, Optional<TlsContexts> tls, Backends backends, PolicyFile policy, Optional<Handler> console)
      throws StartFailure {
    RouteTable routes = RouteTable.of(backends);
    WebServerConfig.Builder builder =
        WebServers.builder(address, port)
            .routing(routing -> {
              console.ifPresent(pages -> routing.any("/console", pages).any("/console/*", pages));
              routing.any((request, response) -> handle(backends, routes, policy, request, response));
            })
            .directHandlers(ApiServer::transportProblems);
    tls.ifPresent(contexts -> builder.tls(tlsOf(contexts)));
    WebServer server = builder.build();
    Optional<WebServers.Failure> failure = WebServers.start(server, address, port, "the API", "api");
    if (failure.isPresent()) {
      throw new StartFailure(failure.get().message(), failure.get().cause().orElse(null));
    }
    String scheme = tls.isPresent() ? "https" : "http";
    log.info("API on {}://{}:{}/", scheme, WebServers.hostText(address), server.port());
    return new ApiServer(server);
  }

  /**
   * Helidon's TLS from the server's: one context whose key manager asks {@link TlsContexts} at each
   * handshake (so a reload on SIGHUP or a file change is served without restarting the API), with
   * the same protocols and suites as the SMTP listeners, in our order.
   */
  private static Tls tlsOf(TlsContexts contexts) {
    return Tls.builder()
        .sslContext(contexts.followingContext())
        .enabledProtocols(contexts.enabledProtocols())
        .enabledCipherSuites(contexts.enabledCipherSuites())
        .build();
  }

  /** Every route, in no particular order: a path and method select at most one. */
  static List<Route> routes(Backends backends) {
    List<Route> routes = new ArrayList<>();
    routes.addAll(new MessageLookup(backends.messages(), backends.events()).routes());
    routes.addAll(new MessageListing(backends.messages()).routes());
    routes.addAll(new EventListing(backends.events()).routes());
    routes.addAll(new SuppressionRoutes(backends.suppressions()).routes());
    routes.addAll(new MessageSend(backends.submissions()).routes());
    routes.addAll(new WebhookRoutes(backends.webhooks()).routes());
    routes.addAll(new KeyRoutes(backends.keyRing()).routes());
    routes.addAll(new QueueRoutes(backends.queue()).routes());
    routes.addAll(new BlockRoutes(backends.blocks()).routes());
    routes.addAll(new StatsRoutes(backends.statistics()).routes());
    routes.addAll(new DirectoryRoutes(backends.accounts(), backends.domains()).routes());
    return List.copyOf(routes);
  }

  private static void handle(
      Backends backends, RouteTable routes, PolicyFile policy, ServerRequest request, ServerResponse response) {
    Answer answer;
    try {
      answer = answer(backends, routes, policy, request);
    } catch (RuntimeException bug) {
      log.error("API: {} {} failed", request.prologue().method().text(), request.path().path(), bug);
      answer = new Answer.Failure(Problems.internal());
    }
    write(answer, response);
  }

  private static Answer answer(Backends backends, RouteTable routes, PolicyFile policy, ServerRequest request) {
    Exchange exchange = Exchange.of(request);
    String method = request.prologue().method().text();
    if (!METHODS.contains(method)) {
      return new Answer.Failure(
          Problems.methodNotAllowed(method, METHODS), Map.of(HeaderNames.ALLOW.defaultCase(), String.join(", ", METHODS)));
    }
    String path = request.path().path();
    if (path.equals(PolicyFile.PATH) && (method.equals("GET") || method.equals("HEAD"))) {
      // RFC 8461 §3.3: senders fetch the policy without credentials, from mta-sts.<domain>.
      return policy.isFor(request.authority())
          ? new Answer.Document(PolicyFile.TYPE, policy.text())
          : new Answer.Failure(Problems.notFound(path));
    }
    if (path.equals(TlsReportPost.PATH)) {
      // RFC 8460 §5.4: reporters POST without credentials; what they may do is add a report.
      if (!method.equals("POST")) {
        return new Answer.Failure(Problems.methodNotAllowed(method, List.of("POST")), Map.of(HeaderNames.ALLOW.defaultCase(), "POST"));
      }
      try {
        return TlsReportPost.answer(ApiRequest.withoutKey(exchange), backends.tlsReports());
      } catch (Refusal refusal) {
        return refusal.answer();
      }
    }
    if (path.equals(OPENAPI_PATH) && (method.equals("GET") || method.equals("HEAD"))) {
      // The contract is public (it is in the source tree too): clients and generators fetch it
      // before they hold a key. It says nothing about this server's accounts or keys.
      return new Answer.Document(OPENAPI_TYPE, OPENAPI.clone());
    }
    Optional<String> token = bearerToken(request);
    if (token.isEmpty()) {
      return new Answer.Failure(
          Problems.unauthorized(request.headers().first(HeaderNames.AUTHORIZATION).isEmpty()
              // RFC 6750 §3.1: no error code when the request carried no credentials at all.
              ? "send an API key as 'Authorization: Bearer <key>'"
              : "the Authorization header must be 'Bearer <key>'"),
          Map.of(WWW_AUTHENTICATE, CHALLENGE));
    }
    ApiKeyCheck.Caller caller;
    switch (backends.keys().check(token.get(), clientOf(request))) {
      case ApiKeyCheck.Verdict.Valid valid -> caller = valid.caller();
      case ApiKeyCheck.Verdict.Invalid ignored -> {
        return new Answer.Failure(
            Problems.unauthorized("the API key is not valid"), Map.of(WWW_AUTHENTICATE, CHALLENGE + ", error=\"invalid_token\""));
      }
      case ApiKeyCheck.Verdict.NotAllowedFrom ignored -> {
        return new Answer.Failure(Problems.notAllowedFrom());
      }
      case ApiKeyCheck.Verdict.Unavailable ignored -> {
        return new Answer.Failure(Problems.unavailable(), Map.of(RETRY_AFTER, "5"));
      }
    }
    return routes.dispatch(method, exchange, caller);
  }

  /**
   * Requests the web server refuses before any route sees them (a malformed request line or header,
   * a header section too large) get a problem body too, not Helidon's plain text: clients parse one
   * error format. The detail is ours; Helidon's message may quote the request back.
   */
  private static void transportProblems(io.helidon.webserver.http.DirectHandlers.Builder handlers) {
    for (io.helidon.http.DirectHandler.EventType event : io.helidon.http.DirectHandler.EventType.values()) {
      handlers.addHandler(event, (request, type, status, headers, message) -> {
        Problem problem = switch (type) {
          case BAD_REQUEST -> Problems.badRequest("the request is not valid HTTP/1.1 (RFC 9112)");
          case PAYLOAD_TOO_LARGE -> Problems.badRequest("the request's header section is too large");
          case HTTP_VERSION_NOT_SUPPORTED -> Problems.badRequest("the request's HTTP version is not supported");
          case FORBIDDEN, INTERNAL_ERROR, OTHER -> status.code() >= 500
              ? Problems.internal()
              : Problems.badRequest("the request was refused: " + status.reasonPhrase());
        };
        byte[] body = Problems.toJson(problem).getBytes(StandardCharsets.UTF_8);
        headers.set(HeaderNames.CONTENT_TYPE, Problems.CONTENT_TYPE);
        headers.set(HeaderNames.CACHE_CONTROL, "no-store");
        return io.helidon.http.DirectHandler.TransportResponse.builder()
            .status(Status.create(problem.status()))
            .headers(headers)
            .entity(body)
            .keepAlive(false)
            .build();
      });
    }
  }

  /** Writes {@code answer} as the whole response; every response is {@code Cache-Control: no-store}. */
  private static void write(Answer answer, ServerResponse response) {
    response.header(HeaderNames.CACHE_CONTROL, "no-store");
    switch (answer) {
      case Answer.Json json -> {
        json.headers().forEach(response::header);
        response.status(Status.create(json.status()));
        response.header(HeaderNames.CONTENT_TYPE, JSON_TYPE);
        response.send(json.body().getBytes(StandardCharsets.UTF_8));
      }
      case Answer.NoContent ignored -> {
        response.status(Status.NO_CONTENT_204);
        response.send();
      }
      case Answer.Document document -> {
        response.status(Status.OK_200);
        response.header(HeaderNames.CONTENT_TYPE, document.contentType());
        response.send(document.body());
      }
      case Answer.Failure failure -> {
        failure.headers().forEach(response::header);
        // RFC 9110 §10.2.3: a 503 says when to come back; every route's, not only those that thought of it.
        if (failure.problem().status() == 503 && !failure.headers().containsKey(RETRY_AFTER)) {
          response.header(RETRY_AFTER, UNAVAILABLE_RETRY_SECONDS);
        }
        Problems.send(response, failure.problem());
      }
    }
  }

  /** Where the OpenAPI document ({@code docs/openapi.yaml}) is served, without a key. */
  static final String OPENAPI_PATH = "/v1/openapi.yaml";

  /** RFC 9512. */
  static final String OPENAPI_TYPE = "application/yaml";

  private static final byte[] OPENAPI = openApiDocument();

  private static byte[] openApiDocument() {
    try (InputStream in = ApiServer.class.getResourceAsStream("openapi.yaml")) {
      if (in == null) {
        throw new IllegalStateException("openapi.yaml is missing from the build (pom.xml copies docs/openapi.yaml)");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("reading openapi.yaml from the class path", e);
    }
  }

  /** {@code application/json}: RFC 8259 §11 defines no charset parameter; it is UTF-8. */
  static final String JSON_TYPE = "application/json";

  private static final String WWW_AUTHENTICATE = HeaderNames.WWW_AUTHENTICATE.defaultCase();
  private static final String RETRY_AFTER = HeaderNames.RETRY_AFTER.defaultCase();

  /** A store that could not answer is usually back within seconds (a busy writer, a checkpoint). */
  private static final String UNAVAILABLE_RETRY_SECONDS = "5";

  private static final String CHALLENGE = "Bearer realm=\"hikyaku\"";

  /** The token of an {@code Authorization: Bearer} header, if the request has one. */
  private static Optional<String> bearerToken(ServerRequest request) {
    Optional<String> header = request.headers().first(HeaderNames.AUTHORIZATION);
    if (header.isEmpty()) {
      return Optional.empty();
    }
    String value = header.get();
    if (!value.toLowerCase(Locale.ROOT).startsWith(BEARER) || value.substring(BEARER.length()).isBlank()) {
      return Optional.empty();
    }
    return Optional.of(value.substring(BEARER.length()).strip());
  }

  private static InetAddress clientOf(ServerRequest request) {
    return request.remotePeer().address() instanceof InetSocketAddress socket
        ? socket.getAddress()
        : InetAddress.getLoopbackAddress();
  }

  /** The bound port (the real one when 0 was asked for). */
  public int port() {
    return server.port();
  }

  /** Stops serving; requests in progress get a short grace period. Idempotent. */
  @Override
  public void close() {
    if (WebServers.stop(server)) {
      log.info("API stopped");
    }
  }

  /** The API could not start; the message says where and why. */
  public static final class StartFailure extends Exception {
    StartFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
