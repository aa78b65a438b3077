package dev.hikyaku.returns;

import dev.hikyaku.auth.credential.HmacSha256;
import dev.hikyaku.store.QueueId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The VERP return paths of outgoing mail (the idea of D. J. Bernstein's variable envelope return
 * paths): {@code bounces+<token>@<returns domain>}, where the token names the queued message and is
 * authenticated with HMAC-SHA-256 under the server secret, so a bounce that comes back names the
 * message it is about, and nobody can make up a return path that we would believe.
 *
 * <p>The token is the queue id (16 characters of Crockford base32, 80 bits) followed by the first 80
 * bits of {@code HMAC-SHA-256(secret, "hikyaku return path v1" 0x00 domain 0x00 queue-id)}, in
 * base32 (RFC 4648 §6 alphabet, lower case, no padding): 32 characters, so the local part is 40
 * octets, well inside the 64 of RFC 5321 §4.5.3.1.1. Both halves are case-insensitive: remote MTAs
 * may fold the local part's case (RFC 5321 §2.4 allows only the receiving host to, but some fold it
 * anyway), and the token reads the same. The queue id is in the clear on purpose: it is in our own
 * Received header already, and an operator reading a bounce can see at once which message it is.
 *
 * <p>One token per message, not per recipient: a per-recipient return path makes every recipient
 * its own SMTP transaction (MAIL FROM differs), so a message to 50 recipients at one provider would
 * cost 50 transactions instead of one. The recipient is taken from the report instead
 * (Original-Recipient, Final-Recipient, or the only recipient of the message), and deliveries under
 * VERP send ORCPT to servers that offer DSN (RFC 3461 §4.2) so that their reports name the
 * recipient exactly as we sent it.
 *
 * <p>80 bits of MAC against an attacker who gets one guess per RCPT command: forging a return path
 * (to make us record a bounce, and suppress an address, for a message we sent) is out of reach.
 */
public final class ReturnPaths {

  /** The local part of every return path starts with this (a "+" detail, as mail providers read it). */
  public static final String PREFIX = "bounces+";

  private static final String LABEL = "hikyaku return path v1";
  private static final int MAC_CHARACTERS = 16; // 80 bits in base32
  private static final int TOKEN_CHARACTERS = QueueId.LENGTH + MAC_CHARACTERS;
  private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567"; // RFC 4648 §6, lower case

  private final String domain;
  private final byte[] key;

  /**
   * @param domain the returns domain
   * @param secret the server secret (at least 32 bytes, RFC 2104 §3)
   */
  public ReturnPaths(String domain, byte[] secret) {
    this.domain = Objects.requireNonNull(domain, "domain").toLowerCase(Locale.ROOT);
    this.key = HmacSha256.requireKey(secret, "the server secret").clone();
  }

  /** The returns domain, lower case. */
  public String domain() {
    return domain;
  }

  /** The return path (without angle brackets) for message {@code id}. */
  public String returnPath(QueueId id) {
    return PREFIX + token(id) + "@" + domain;
  }

  /** The token of {@code id}: the queue id and its MAC, lower case. */
  String token(QueueId id) {
    return id.value().toLowerCase(Locale.ROOT) + mac(id);
  }

  /** What a local part at the returns domain is. */
  public sealed interface Recognition {

    /** A return path we made, for message {@code queueId}. */
    record Ours(QueueId queueId) implements Recognition {}

    /** Not shaped as a return path at all (no {@link #PREFIX}): the feedback address, postmaster, or a stranger's guess. */
    record NotAReturnPath() implements Recognition {}

    /** Shaped as a return path, but not one we made (altered, truncated, or minted under another secret). */
    record Forged(String reason) implements Recognition {}
  }

  /**
   * Whether {@code localPart} (of an address at the returns domain) is one of our return paths, in
   * any case. The MAC is compared in constant time.
   */
  public Recognition recognize(String localPart) {
    String lower = localPart.toLowerCase(Locale.ROOT);
    if (!lower.startsWith(PREFIX)) {
      return new Recognition.NotAReturnPath();
    }
    String token = lower.substring(PREFIX.length());
    if (token.length() != TOKEN_CHARACTERS) {
      return new Recognition.Forged("token of " + token.length() + " characters, not " + TOKEN_CHARACTERS);
    }
    Optional<QueueId> id = QueueId.parse(token.substring(0, QueueId.LENGTH));
    if (id.isEmpty()) {
      return new Recognition.Forged("no queue id in the token");
    }
    byte[] expected = mac(id.get()).getBytes(StandardCharsets.US_ASCII);
    byte[] given = token.substring(QueueId.LENGTH).getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(expected, given)) {
      return new Recognition.Forged("the token's MAC does not verify");
    }
    return new Recognition.Ours(id.get());
  }

  /**
   * The queue id behind {@code address} when it is one of our return paths (any case, angle
   * brackets and a {@code rfc822;} type allowed, as the fields of a report write it); else empty.
   */
  public Optional<QueueId> messageOf(String address) {
    String bare = address.strip();
    int semicolon = bare.indexOf(';');
    if (semicolon >= 0 && bare.substring(0, semicolon).strip().equalsIgnoreCase("rfc822")) {
      bare = bare.substring(semicolon + 1).strip();
    }
    if (bare.startsWith("<") && bare.endsWith(">")) {
      bare = bare.substring(1, bare.length() - 1);
    }
    int at = bare.lastIndexOf('@');
    if (at < 0 || !bare.substring(at + 1).equalsIgnoreCase(domain)) {
      return Optional.empty();
    }
    return recognize(bare.substring(0, at)) instanceof Recognition.Ours ours ? Optional.of(ours.queueId()) : Optional.empty();
  }

  private String mac(QueueId id) {
    byte[] mac = HmacSha256.mac(key, (LABEL + "\0" + domain + "\0" + id.value()).getBytes(StandardCharsets.US_ASCII));
    // The first 80 bits (10 bytes), 5 bits per character.
    StringBuilder text = new StringBuilder(MAC_CHARACTERS);
    long bits = 0;
    int available = 0;
    int next = 0;
    while (text.length() < MAC_CHARACTERS) {
      if (available < 5) {
        bits = (bits << 8) | (mac[next++] & 0xFF);
        available += 8;
      }
      text.append(BASE32.charAt((int) ((bits >>> (available - 5)) & 31)));
      available -= 5;
    }
    return text.toString();
  }
}
