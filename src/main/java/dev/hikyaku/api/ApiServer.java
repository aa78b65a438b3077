package dev.hikyaku.api;

import dev.hikyaku.net.TlsContexts;
import dev.hikyaku.net.WebServers;
import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import dev.hikyaku.store.ApiKey;
import io.helidon.http.Status;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
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
 *       with {@code WWW-Authenticate: Bearer} (RFC 6750 §3); a key used from outside its allow-list:
 *       403;
 *   <li>{@code GET /v1/messages/{id}}: the history of one message of the key's account (scope {@code
 *       read}, else 403 {@code insufficient_scope}; another account's message or a malformed id: 404);
 *   <li>any other path: 404.
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
   * @param keys decides which bearer tokens are valid API keys, and whom they speak for
   * @param messages the message history, for {@code GET /v1/messages/{id}}
   * @throws StartFailure if the port cannot be bound; the message names the socket address
   */
  public static ApiServer start(
      InetAddress address, int port, Optional<TlsContexts> tls, ApiKeyCheck keys, MessageReader messages)
      throws StartFailure {
    WebServerConfig.Builder builder =
        WebServers.builder(address, port)
            .routing(routing -> routing.any((request, response) -> handle(keys, messages, request, response)));
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

  private static void handle(ApiKeyCheck keys, MessageReader messages, ServerRequest request, ServerResponse response) {
    String method = request.prologue().method().text();
    if (!METHODS.contains(method)) {
      response.header(HeaderNames.ALLOW, String.join(", ", METHODS));
      Problems.send(response, Problems.methodNotAllowed(method, METHODS));
      return;
    }
    Optional<String> token = bearerToken(request);
    if (token.isEmpty()) {
      response.header(HeaderNames.WWW_AUTHENTICATE, CHALLENGE);
      Problems.send(response, Problems.unauthorized(request.headers().first(HeaderNames.AUTHORIZATION).isEmpty()
          // RFC 6750 §3.1: no error code when the request carried no credentials at all.
          ? "send an API key as 'Authorization: Bearer <key>'"
          : "the Authorization header must be 'Bearer <key>'"));
      return;
    }
    ApiKeyCheck.Caller caller;
    switch (keys.check(token.get(), clientOf(request))) {
      case ApiKeyCheck.Verdict.Valid valid -> caller = valid.caller();
      case ApiKeyCheck.Verdict.Invalid ignored -> {
        response.header(HeaderNames.WWW_AUTHENTICATE, CHALLENGE + ", error=\"invalid_token\"");
        Problems.send(response, Problems.unauthorized("the API key is not valid"));
        return;
      }
      case ApiKeyCheck.Verdict.NotAllowedFrom ignored -> {
        Problems.send(response, Problems.notAllowedFrom());
        return;
      }
      case ApiKeyCheck.Verdict.Unavailable ignored -> {
        Problems.send(response, Problems.unavailable());
        return;
      }
    }
    String path = request.path().path();
    if (path.startsWith(MESSAGES) && path.length() > MESSAGES.length() && path.indexOf('/', MESSAGES.length()) < 0) {
      if (!method.equals("GET")) {
        response.header(HeaderNames.ALLOW, "GET");
        Problems.send(response, Problems.methodNotAllowed(method, List.of("GET")));
        return;
      }
      showMessage(messages, caller, path.substring(MESSAGES.length()), path, response);
      return;
    }
    Problems.send(response, Problems.notFound(path));
  }

  private static final String MESSAGES = "/v1/messages/";

  /**
   * {@code GET /v1/messages/{id}}: needs scope {@code read}; a message of another account is 404 as
   * one that does not exist, so a key cannot learn which ids are real.
   */
  private static void showMessage(
      MessageReader messages, ApiKeyCheck.Caller caller, String id, String path, ServerResponse response) {
    if (!caller.hasScope(ApiKey.Scope.READ)) {
      response.header(
          HeaderNames.WWW_AUTHENTICATE, CHALLENGE + ", error=\"insufficient_scope\", scope=\"read\"");
      Problems.send(response, Problems.insufficientScope("read"));
      return;
    }
    Optional<MessageReader.MessageView> message;
    try {
      message = messages.message(id);
    } catch (MessageReader.Unavailable e) {
      log.warn("API: cannot show a message: {}", e.getMessage());
      Problems.send(response, Problems.unavailable());
      return;
    }
    Optional<MessageReader.MessageView> own =
        message.filter(m -> m.principal().map(p -> p.equalsIgnoreCase(caller.account())).orElse(false));
    if (own.isEmpty()) {
      Problems.send(response, Problems.notFound(path));
      return;
    }
    response.status(Status.OK_200);
    response.header(HeaderNames.CONTENT_TYPE, MessageJson.CONTENT_TYPE);
    response.header(HeaderNames.CACHE_CONTROL, "no-store");
    response.send(MessageJson.of(own.get()).getBytes(StandardCharsets.UTF_8));
  }

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
