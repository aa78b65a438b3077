package dev.hikyaku.auth.oauth;

import dev.hikyaku.protocol.Utf8;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Client messages and server challenges of the two bearer-token SASL mechanisms: Google's XOAUTH2
 * (https://developers.google.com/gmail/imap/xoauth2-protocol) and OAUTHBEARER (RFC 7628).
 *
 * <p>Sans-I/O: responses arrive already base64-decoded (RFC 4954 §4 is the caller's business), and
 * challenges leave as strings for the caller to encode. Parsing is strict: anything off the grammar is
 * {@link Optional#empty()}, with no hint of which byte was wrong (that byte might be part of a token).
 */
public final class OAuthMessages {

  /** RFC 7628 §3.1: {@code kvsep = %x01}; XOAUTH2 uses the same separator. */
  private static final byte KVSEP = 0x01;

  /**
   * RFC 6750 §2.1: {@code credentials = "Bearer" 1*SP b64token}, {@code b64token = 1*( ALPHA / DIGIT /
   * "-" / "." / "_" / "~" / "+" / "/" ) *"="}. The scheme is case-insensitive as every HTTP auth-scheme
   * (RFC 9110 §11.1), which RFC 7628 §4 points out.
   */
  private static final Pattern BEARER_CREDENTIALS = Pattern.compile("(?i:Bearer) +([A-Za-z0-9\\-._~+/]+=*)");

  private static final byte[] XOAUTH2_USER = ascii("user=");

  private static final byte[] XOAUTH2_AUTH = ascii("auth=");

  /** RFC 6750 §3.1 error codes. */
  private static final Set<String> STATUSES =
      Set.of(TokenVerdict.INVALID_TOKEN, TokenVerdict.INVALID_REQUEST, TokenVerdict.INSUFFICIENT_SCOPE);

  private static final JsonMapper JSON = JsonMapper.shared();

  private OAuthMessages() {}

  /**
   * The bearer token (and optional authorization identity) a client sent.
   *
   * @param user the XOAUTH2 {@code user=} value or the OAUTHBEARER gs2 authzid ({@code a=})
   * @param token the bearer token; a secret, never printed
   */
  public record BearerRequest(Optional<String> user, String token) {
    public BearerRequest {
      Objects.requireNonNull(user, "user");
      if (token == null || token.isEmpty()) {
        throw new IllegalArgumentException("a bearer request carries a token");
      }
    }

    @Override
    public String toString() {
      return "BearerRequest[user=" + user.orElse("(none)") + ", token=(redacted)]";
    }
  }

  /**
   * XOAUTH2 initial response: {@code "user=" authzid ^A "auth=Bearer " token ^A ^A}. The user is
   * required, UTF-8, without control characters; nothing may follow the final {@code ^A^A}.
   */
  public static Optional<BearerRequest> parseXoauth2(byte[] response) {
    if (response == null || !startsWith(response, 0, XOAUTH2_USER)) {
      return Optional.empty();
    }
    int userEnd = indexOf(response, KVSEP, XOAUTH2_USER.length);
    if (userEnd < 0 || userEnd == XOAUTH2_USER.length) {
      return Optional.empty();
    }
    int authStart = userEnd + 1;
    if (!startsWith(response, authStart, XOAUTH2_AUTH)) {
      return Optional.empty();
    }
    int authEnd = indexOf(response, KVSEP, authStart + XOAUTH2_AUTH.length);
    // Exactly ^A^A ends the message.
    if (authEnd < 0 || authEnd + 2 != response.length || response[authEnd + 1] != KVSEP) {
      return Optional.empty();
    }
    Optional<String> user = utf8WithoutControls(Arrays.copyOfRange(response, XOAUTH2_USER.length, userEnd));
    Optional<String> token = bearerToken(response, authStart + XOAUTH2_AUTH.length, authEnd);
    if (user.isEmpty() || token.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new BearerRequest(user, token.get()));
  }

  /**
   * OAUTHBEARER client response (RFC 7628 §3.1): a gs2-header (RFC 5801 §4) {@code "n,a=user,"} or
   * {@code "n,,"}, then {@code ^A}, then {@code key=value ^A} pairs, then {@code ^A}. {@code auth} is
   * required and holds {@code Bearer <token>}; {@code host} and {@code port} are checked for shape and
   * dropped; other keys are ignored as §3.1 requires; a repeated key is refused.
   *
   * <p>Refused: channel binding ({@code "p=..."}: RFC 7628 defines no OAUTHBEARER-PLUS), the {@code "y"}
   * flag, and the non-standard {@code "F"} flag (RFC 5801 §4: GSS-API only).
   */
  public static Optional<BearerRequest> parseOauthbearer(byte[] response) {
    if (response == null || response.length < 4 || response[0] != 'n' || response[1] != ',') {
      return Optional.empty();
    }
    int pos;
    Optional<String> user;
    if (response[2] == ',') {
      user = Optional.empty();
      pos = 3;
    } else if (response[2] == 'a' && response[3] == '=') {
      int comma = indexOf(response, (byte) ',', 4);
      if (comma < 0) {
        return Optional.empty();
      }
      user = saslname(Arrays.copyOfRange(response, 4, comma));
      if (user.isEmpty()) {
        return Optional.empty();
      }
      pos = comma + 1;
    } else {
      return Optional.empty();
    }
    if (pos >= response.length || response[pos] != KVSEP) {
      return Optional.empty();
    }
    pos++;
    Map<String, int[]> pairs = new HashMap<>();
    while (true) {
      int end = indexOf(response, KVSEP, pos);
      if (end < 0) {
        return Optional.empty();
      }
      if (end == pos) {
        // The empty kvpair ends client-resp; nothing may follow it.
        if (end + 1 != response.length) {
          return Optional.empty();
        }
        break;
      }
      int equals = indexOf(response, (byte) '=', pos);
      if (equals < 0 || equals > end || !isKey(response, pos, equals) || !isValue(response, equals + 1, end)) {
        return Optional.empty();
      }
      String key = new String(response, pos, equals - pos, StandardCharsets.US_ASCII);
      if (pairs.putIfAbsent(key, new int[] {equals + 1, end}) != null) {
        return Optional.empty();
      }
      pos = end + 1;
    }
    int[] port = pairs.get("port");
    if (port != null && !isPort(new String(response, port[0], port[1] - port[0], StandardCharsets.US_ASCII))) {
      return Optional.empty();
    }
    int[] auth = pairs.get("auth");
    if (auth == null) {
      return Optional.empty();
    }
    return bearerToken(response, auth[0], auth[1]).map(token -> new BearerRequest(user, token));
  }

  /**
   * RFC 7628 §3.2.2 server error challenge, e.g. {@code {"status":"invalid_token","scope":"...",
   * "openid-configuration":"..."}}; members only for what is configured.
   *
   * @param status an RFC 6750 §3.1 error code: {@code invalid_token}, {@code invalid_request} or
   *     {@code insufficient_scope}
   * @throws IllegalArgumentException for any other status (a bug in the caller)
   */
  public static String oauthbearerError(String status, Optional<String> scope, Optional<String> openidConfiguration) {
    if (!STATUSES.contains(status)) {
      throw new IllegalArgumentException("OAUTHBEARER status must be one of " + STATUSES + ", got " + status);
    }
    ObjectNode error = JSON.createObjectNode();
    error.put("status", status);
    scope.ifPresent(s -> error.put("scope", s));
    openidConfiguration.ifPresent(uri -> error.put("openid-configuration", uri));
    return JSON.writeValueAsString(error);
  }

  /** Google's XOAUTH2 error challenge: {@code {"status":"401","schemes":"Bearer","scope":"..."}}. */
  public static String xoauth2Error(Optional<String> scope) {
    ObjectNode error = JSON.createObjectNode();
    error.put("status", "401");
    error.put("schemes", "Bearer");
    scope.ifPresent(s -> error.put("scope", s));
    return JSON.writeValueAsString(error);
  }

  /** The b64token of {@code Bearer <b64token>} in {@code bytes[from, to)}. */
  private static Optional<String> bearerToken(byte[] bytes, int from, int to) {
    // ISO-8859-1 maps each byte to one char; any non-ASCII byte then fails the ASCII-only pattern.
    Matcher m = BEARER_CREDENTIALS.matcher(new String(bytes, from, to - from, StandardCharsets.ISO_8859_1));
    return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /** RFC 7628 §3.1: {@code key = 1*(ALPHA)}. */
  private static boolean isKey(byte[] bytes, int from, int to) {
    if (from == to) {
      return false;
    }
    for (int i = from; i < to; i++) {
      byte b = bytes[i];
      if (!((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z'))) {
        return false;
      }
    }
    return true;
  }

  /** RFC 7628 §3.1: {@code value = *(VCHAR / SP / HTAB / CR / LF)}. */
  private static boolean isValue(byte[] bytes, int from, int to) {
    for (int i = from; i < to; i++) {
      byte b = bytes[i];
      boolean isVchar = b >= 0x21 && b <= 0x7e;
      if (!isVchar && b != ' ' && b != '\t' && b != '\r' && b != '\n') {
        return false;
      }
    }
    return true;
  }

  private static boolean isPort(String value) {
    return value.matches("[0-9]{1,5}") && Integer.parseInt(value) <= 65535;
  }

  /**
   * RFC 5801 §4: {@code saslname = 1*(UTF8-char-safe / "=2C" / "=3D")}: a raw "=" only as one of the
   * two escapes, no NUL (a raw "," cannot occur: it ended the field).
   */
  private static Optional<String> saslname(byte[] escaped) {
    if (escaped.length == 0) {
      return Optional.empty();
    }
    ByteBuffer out = ByteBuffer.allocate(escaped.length);
    for (int i = 0; i < escaped.length; i++) {
      byte b = escaped[i];
      if (b == 0) {
        return Optional.empty();
      }
      if (b != '=') {
        out.put(b);
        continue;
      }
      if (i + 2 >= escaped.length) {
        return Optional.empty();
      }
      // ABNF string literals are case-insensitive (RFC 5234 §2.3), so "=2c" is "=2C".
      String escape = new String(escaped, i + 1, 2, StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT);
      switch (escape) {
        case "2C" -> out.put((byte) ',');
        case "3D" -> out.put((byte) '=');
        default -> {
          return Optional.empty();
        }
      }
      i += 2;
    }
    return utf8WithoutControls(Arrays.copyOf(out.array(), out.position()));
  }

  /** Strict UTF-8 (no replacement characters), non-empty, no control characters (log lines, CR/LF). */
  private static Optional<String> utf8WithoutControls(byte[] bytes) {
    return Utf8.decode(bytes).filter(text -> !text.isEmpty() && text.chars().noneMatch(Character::isISOControl));
  }


  private static boolean startsWith(byte[] bytes, int at, byte[] prefix) {
    return bytes.length - at >= prefix.length && Arrays.equals(bytes, at, at + prefix.length, prefix, 0, prefix.length);
  }

  private static int indexOf(byte[] bytes, byte b, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
