package dev.hikyaku.api;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code Idempotency-Key} request header (draft-ietf-httpapi-idempotency-key-header-07): read,
 * scoped, and guarded while its first request runs. The answers themselves are kept by the store
 * with the messages they queued ({@link Submissions#recorded}).
 *
 * <ul>
 *   <li>§2.1: the value is an sf-string (RFC 8941 §3.3.3); a bare token is taken too, as most
 *       clients send one. 1 to {@link #MAX_LENGTH} characters; anything else is 400.
 *   <li>§2.2: the scope is the API key's name, the method and path, and the key: one client's key
 *       never answers another's request, nor another route's.
 *   <li>§2.3: the fingerprint is SHA-256 of the request body, octet for octet.
 *   <li>§2.7: a request whose key is in flight is 409; one whose key was used with another body is
 *       422.
 * </ul>
 *
 * The in-flight guard is this process's memory: one node serves the store (SQLite), and the store
 * refuses a second record under a current scope besides (see {@code store.IdempotencyRecords}).
 */
final class Idempotency {

  static final String HEADER = "Idempotency-Key";
  /** API.md §2: 1–255 characters. */
  static final int MAX_LENGTH = 255;

  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

  /** The header's value, read; a malformed one is a refusal (400). */
  sealed interface Key {
    /** The request carries no key: it is answered afresh every time. */
    record None() implements Key {}

    record Given(String value) implements Key {}
  }

  /** The key of {@code header}'s value, or a 400. */
  static Key parse(Optional<String> header) throws Refusal {
    if (header.isEmpty()) {
      return new Key.None();
    }
    String value = header.get().strip();
    Optional<String> key = value.startsWith("\"") ? sfString(value) : token(value);
    if (key.isEmpty()) {
      throw new Refusal(Problems.invalidIdempotencyKey(
          "Idempotency-Key must be a quoted string (RFC 8941 §3.3.3) or a token of 1 to " + MAX_LENGTH + " characters"));
    }
    if (key.get().isEmpty() || key.get().length() > MAX_LENGTH) {
      throw new Refusal(Problems.invalidIdempotencyKey("Idempotency-Key must be 1 to " + MAX_LENGTH + " characters long"));
    }
    return new Key.Given(key.get());
  }

  /** RFC 8941 §3.3.3: DQUOTE *( unescaped / "\" ( DQUOTE / "\" ) ) DQUOTE, unescaped = %x20-21 / %x23-5B / %x5D-7E. */
  private static Optional<String> sfString(String value) {
    if (value.length() < 2 || !value.endsWith("\"")) {
      return Optional.empty();
    }
    StringBuilder out = new StringBuilder();
    for (int i = 1; i < value.length() - 1; i++) {
      char c = value.charAt(i);
      if (c == '\\') {
        if (i + 1 >= value.length() - 1 || (value.charAt(i + 1) != '"' && value.charAt(i + 1) != '\\')) {
          return Optional.empty();
        }
        out.append(value.charAt(++i));
      } else if (c == '"' || c < 0x20 || c > 0x7E) {
        return Optional.empty();
      } else {
        out.append(c);
      }
    }
    return Optional.of(out.toString());
  }

  /** RFC 9110 §5.6.2 token, which is how clients that ignore sf-string send a key. */
  private static Optional<String> token(String value) {
    boolean isToken = !value.isEmpty() && value.chars().allMatch(c -> c > 0x20 && c < 0x7F && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0);
    return isToken ? Optional.of(value) : Optional.empty();
  }

  /** §2.2: the scope of {@code key} for one API key and route. A batch item's adds {@code "#" index}. */
  static String scope(String keyName, String method, String path, String key) {
    // Key names hold no space (store.ApiKeys.nameProblem), so the parts cannot run into each other.
    return keyName + " " + method + " " + path + " " + key;
  }

  /** §2.3: SHA-256 of the body, lower-case hex. */
  static String fingerprint(byte[] body) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** Marks {@code scope} in flight; false when a request with it already is (§2.7: 409). */
  boolean begin(String scope) {
    return inFlight.add(scope);
  }

  /** The request with {@code scope} has been answered. */
  void end(String scope) {
    inFlight.remove(scope);
  }
}
