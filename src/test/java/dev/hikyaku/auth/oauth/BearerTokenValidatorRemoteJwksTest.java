package dev.hikyaku.auth.oauth;

import static dev.hikyaku.auth.oauth.TokenMint.AUDIENCE;
import static dev.hikyaku.auth.oauth.TokenMint.ISSUER;
import static dev.hikyaku.auth.oauth.TokenMint.claims;
import static dev.hikyaku.auth.oauth.TokenMint.jwks;
import static dev.hikyaku.auth.oauth.TokenMint.sign;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.RSAKey;
import com.sun.net.httpserver.HttpServer;
import dev.hikyaku.testing.SettableClock;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Keys from a JWKS URI served by a real HTTP server on 127.0.0.1: fetch, cache, refresh on rotation,
 * rate limits, outages. Time moves only through the injected clock.
 */
class BearerTokenValidatorRemoteJwksTest {

  private static final Instant T0 = Instant.parse("2026-03-14T09:26:53Z");

  private static RSAKey current;
  private static RSAKey next;

  private final AtomicInteger requests = new AtomicInteger();
  private volatile String body;
  private volatile int status = 200;

  private HttpServer server;
  private URI jwksUri;
  private SettableClock clock;
  private BearerTokenValidator validator;

  @BeforeAll
  static void keys() {
    current = TokenMint.rsaKey("2026-03", 0);
    next = TokenMint.rsaKey("2026-04", 1);
  }

  @BeforeEach
  void serve() throws IOException {
    body = jwks(current);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
    server.createContext(
        "/.well-known/jwks.json",
        exchange -> {
          requests.incrementAndGet();
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "application/jwk-set+json");
          if (status == 302) {
            exchange.getResponseHeaders().set("Location", "http://127.0.0.1:1/elsewhere");
          }
          exchange.sendResponseHeaders(status, bytes.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
          }
        });
    server.start();
    jwksUri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/.well-known/jwks.json");
    clock = new SettableClock(T0);
    validator =
        new BearerTokenValidator(
            new OAuthIssuer(ISSUER, Optional.of(jwksUri), Optional.empty(), List.of(AUDIENCE), "email", Duration.ofSeconds(30)),
            clock);
  }

  @AfterEach
  void stop() {
    validator.close();
    server.stop(0);
  }

  /** A token that is current at the clock's present time. */
  private String tokenFor(RSAKey key) {
    return sign(key, JWSAlgorithm.RS256, claims(clock.instant()).build());
  }

  @Test
  void fetchesOnceAndAnswersFromTheCache() {
    for (int i = 0; i < 3; i++) {
      assertThat(validator.validate(tokenFor(current))).isInstanceOf(TokenVerdict.Valid.class);
    }

    assertThat(requests).hasValue(1);
  }

  @Test
  void concurrentFirstValidationsShareOneFetch() throws Exception {
    String token = tokenFor(current);
    List<Future<TokenVerdict>> verdicts = new ArrayList<>();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 32; i++) {
        verdicts.add(threads.submit(() -> validator.validate(token)));
      }
    }

    for (Future<TokenVerdict> verdict : verdicts) {
      assertThat(verdict.get()).isInstanceOf(TokenVerdict.Valid.class);
    }
    assertThat(requests).hasValue(1);
  }

  @Test
  void fetchesAgainWhenTheCacheIsStale() {
    validator.validate(tokenFor(current));
    clock.advance(IssuerKeys.FRESH_FOR.minusSeconds(1));
    validator.validate(tokenFor(current));
    assertThat(requests).hasValue(1);

    clock.advance(Duration.ofSeconds(1));

    assertThat(validator.validate(tokenFor(current))).isInstanceOf(TokenVerdict.Valid.class);
    assertThat(requests).hasValue(2);
  }

  @Test
  void refreshesOnANewKeyIdAfterRotation() {
    assertThat(validator.validate(tokenFor(current))).isInstanceOf(TokenVerdict.Valid.class);
    clock.advance(Duration.ofMinutes(1));

    body = jwks(current, next);

    assertThat(validator.validate(tokenFor(next))).isInstanceOf(TokenVerdict.Valid.class);
    assertThat(validator.validate(tokenFor(current))).isInstanceOf(TokenVerdict.Valid.class);
    assertThat(requests).hasValue(2);
  }

  @Test
  void rateLimitsRefreshesForUnknownKeyIds() {
    validator.validate(tokenFor(current));
    body = jwks(current, next);

    // Within MIN_FETCH_INTERVAL of the last fetch no key id, real or invented, causes another fetch.
    clock.advance(Duration.ofSeconds(10));
    for (String kid : List.of("2026-04", "invented-1", "invented-2")) {
      RSAKey key = kid.equals("2026-04") ? next : TokenMint.rsaKey(kid, 2);
      TokenVerdict verdict = validator.validate(tokenFor(key));
      assertThat(verdict).isInstanceOfSatisfying(
          TokenVerdict.Invalid.class, v -> assertThat(v.reason()).startsWith("unknown key id " + kid));
    }
    assertThat(requests).hasValue(1);

    clock.advance(IssuerKeys.MIN_FETCH_INTERVAL.minusSeconds(10));
    assertThat(validator.validate(tokenFor(next))).isInstanceOf(TokenVerdict.Valid.class);
    assertThat(requests).hasValue(2);

    clock.advance(Duration.ofSeconds(1));
    assertThat(validator.validate(tokenFor(TokenMint.rsaKey("invented-3", 3)))).isInstanceOf(TokenVerdict.Invalid.class);
    assertThat(requests).hasValue(2);
  }

  @Test
  void isUnavailableWhenTheServerIsDown() {
    server.stop(0);

    TokenVerdict verdict = validator.validate(tokenFor(current));

    assertThat(verdict).isInstanceOfSatisfying(
        TokenVerdict.Unavailable.class, u -> assertThat(u.reason()).contains(jwksUri.toString()).contains("failed"));
  }

  @Test
  void isUnavailableWhenANewKeyCannotBeFetched() {
    validator.validate(tokenFor(current));
    server.stop(0);
    clock.advance(Duration.ofMinutes(1));

    // The new key may well exist: that is a temporary failure, not a bad token.
    assertThat(validator.validate(tokenFor(next))).isInstanceOf(TokenVerdict.Unavailable.class);
    assertThat(validator.validate(tokenFor(current))).isInstanceOf(TokenVerdict.Valid.class);
  }

  @Test
  void keepsUsingKnownKeysThroughAnOutageUntilTheyAreTooOld() {
    validator.validate(tokenFor(current));
    server.stop(0);

    clock.advance(IssuerKeys.FRESH_FOR.plusMinutes(1));
    assertThat(validator.validate(tokenFor(current))).isInstanceOf(TokenVerdict.Valid.class);

    clock.advance(IssuerKeys.USABLE_FOR);
    assertThat(validator.validate(tokenFor(current))).isInstanceOf(TokenVerdict.Unavailable.class);
  }

  @Test
  void doesNotRetryAFailedFetchWithinTheInterval() {
    status = 500;

    assertThat(validator.validate(tokenFor(current))).isInstanceOfSatisfying(
        TokenVerdict.Unavailable.class, u -> assertThat(u.reason()).contains("HTTP 500"));
    clock.advance(IssuerKeys.MIN_FETCH_INTERVAL.minusSeconds(1));
    assertThat(validator.validate(tokenFor(current))).isInstanceOf(TokenVerdict.Unavailable.class);
    assertThat(requests).hasValue(1);

    status = 200;
    clock.advance(Duration.ofSeconds(1));

    assertThat(validator.validate(tokenFor(current))).isInstanceOf(TokenVerdict.Valid.class);
    assertThat(requests).hasValue(2);
  }

  @Test
  void doesNotFollowRedirects() {
    status = 302;

    assertThat(validator.validate(tokenFor(current))).isInstanceOfSatisfying(
        TokenVerdict.Unavailable.class, u -> assertThat(u.reason()).contains("HTTP 302"));
  }

  @Test
  void refusesAnOversizedKeySet() {
    body = "{\"keys\":[],\"padding\":\"" + "x".repeat(IssuerKeys.MAX_JWKS_BYTES) + "\"}";

    assertThat(validator.validate(tokenFor(current))).isInstanceOfSatisfying(
        TokenVerdict.Unavailable.class, u -> assertThat(u.reason()).contains("larger than"));
  }

  @Test
  void refusesAnAnswerThatIsNotAKeySet() {
    body = "<html>maintenance</html>";

    assertThat(validator.validate(tokenFor(current))).isInstanceOfSatisfying(
        TokenVerdict.Unavailable.class, u -> assertThat(u.reason()).contains("is not a JWK Set"));
  }
}
