package dev.hikyaku.api;

import dev.hikyaku.net.TlsContexts;
import dev.hikyaku.net.WebServers;
import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP JSON API listener on Helidon SE (one virtual thread per request), over TLS with the
 * server's own certificate. Every request passes, in order:
 *
 * <ol>
 *   <li>a method the API never serves: 405 with {@code Allow};
 *   <li>no {@code Authorization: Bearer} header, or a token {@link ApiKeyCheck} does not accept: 401
 *       with {@code WWW-Authenticate: Bearer} (RFC 6750 §3);
 *   <li>any path: 404 (there are no endpoints yet).
 * </ol>
 *
 * Every error is an RFC 9457 problem ({@link Problems}).
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
   * @param keys decides which bearer tokens are valid API keys
   * @throws StartFailure if the port cannot be bound; the message names the socket address
   */
  public static ApiServer start(InetAddress address, int port, Optional<TlsContexts> tls, ApiKeyCheck keys)
      throws StartFailure {
    WebServerConfig.Builder builder =
        WebServers.builder(address, port)
            .routing(routing -> routing.any((request, response) -> handle(keys, request, response)));
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

  private static void handle(ApiKeyCheck keys, ServerRequest request, ServerResponse response) {
    String method = request.prologue().method().text();
    if (!METHODS.contains(method)) {
      response.header(HeaderNames.ALLOW, String.join(", ", METHODS));
      Problems.send(response, Problems.methodNotAllowed(method, METHODS));
      return;
    }
    Optional<Refusal> refusal = authenticationProblem(keys, request);
    if (refusal.isPresent()) {
      response.header(HeaderNames.WWW_AUTHENTICATE, refusal.get().challenge());
      Problems.send(response, Problems.unauthorized(refusal.get().detail()));
      return;
    }
    Problems.send(response, Problems.notFound(request.path().path()));
  }

  /** A 401: what the client is told, and the RFC 6750 §3 challenge. */
  private record Refusal(String detail, String challenge) {}

  private static final String CHALLENGE = "Bearer realm=\"hikyaku\"";

  /** Why the request is not authenticated; empty when it carries a valid key. */
  private static Optional<Refusal> authenticationProblem(ApiKeyCheck keys, ServerRequest request) {
    Optional<String> header = request.headers().first(HeaderNames.AUTHORIZATION);
    if (header.isEmpty()) {
      // RFC 6750 §3.1: no error code when the request carried no credentials at all.
      return Optional.of(new Refusal("send an API key as 'Authorization: Bearer <key>'", CHALLENGE));
    }
    String value = header.get();
    if (!value.toLowerCase(Locale.ROOT).startsWith(BEARER) || value.substring(BEARER.length()).isBlank()) {
      return Optional.of(new Refusal("the Authorization header must be 'Bearer <key>'", CHALLENGE));
    }
    String token = value.substring(BEARER.length()).strip();
    if (keys.keyName(token).isPresent()) {
      return Optional.empty();
    }
    return Optional.of(new Refusal("the API key is not valid", CHALLENGE + ", error=\"invalid_token\""));
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
