package dev.hikyaku.console;

import dev.hikyaku.api.ApiKeyCheck;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The console's signed-in sessions, in memory: a session id of 256 random bits (the cookie's
 * value), the caller it speaks for (as an API key would), and its form token (synchronizer token against cross-site
 * requests, OWASP's first choice). A session ends after {@link #IDLE} without a request, after
 * {@link #ABSOLUTE} in any case, at sign-out, and with the server (signing in again is cheap; a
 * session that outlives a restart is one more secret at rest).
 */
final class ConsoleSessions {

  static final Duration IDLE = Duration.ofMinutes(30);
  static final Duration ABSOLUTE = Duration.ofHours(12);

  /** Sessions at most: a flood of sign-ins cannot grow the map without bound. */
  static final int MAX_SESSIONS = 10_000;

  record Session(String id, ApiKeyCheck.Caller caller, String csrf, Instant created, Instant lastSeen) {}

  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final SecureRandom random;
  private final Clock clock;

  ConsoleSessions(SecureRandom random, Clock clock) {
    this.random = random;
    this.clock = clock;
  }

  /** A new session for {@code caller} (a sign-in always makes a new id: no session fixation). */
  Session open(ApiKeyCheck.Caller caller) {
    Instant now = clock.instant();
    if (sessions.size() >= MAX_SESSIONS) {
      sessions.values().removeIf(s -> isOver(s, now));
      if (sessions.size() >= MAX_SESSIONS) {
        sessions.values().stream().min((a, b) -> a.lastSeen().compareTo(b.lastSeen())).ifPresent(s -> sessions.remove(s.id()));
      }
    }
    Session session = new Session(token(), caller, token(), now, now);
    sessions.put(session.id(), session);
    return session;
  }

  /** The live session of {@code id}, its idle time restarted; empty for an unknown or ended one. */
  Optional<Session> find(String id) {
    if (id == null) {
      return Optional.empty();
    }
    Session session = sessions.get(id);
    Instant now = clock.instant();
    if (session == null || isOver(session, now)) {
      if (session != null) {
        sessions.remove(id);
      }
      return Optional.empty();
    }
    Session seen = new Session(session.id(), session.caller(), session.csrf(), session.created(), now);
    sessions.put(id, seen);
    return Optional.of(seen);
  }

  void close(String id) {
    sessions.remove(id);
  }

  /** Whether {@code given} is the session's form token (compared in constant time). */
  static boolean isFormToken(Session session, String given) {
    return given != null && MessageDigest.isEqual(session.csrf().getBytes(StandardCharsets.US_ASCII),
        given.getBytes(StandardCharsets.US_ASCII));
  }

  /** 256 random bits, base64url without padding. */
  String token() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static boolean isOver(Session session, Instant now) {
    return !now.isBefore(session.lastSeen().plus(IDLE)) || !now.isBefore(session.created().plus(ABSOLUTE));
  }
}
