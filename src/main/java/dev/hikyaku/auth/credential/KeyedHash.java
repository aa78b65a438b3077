package dev.hikyaku.auth.credential;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.Mac;

/**
 * {@link GeneratedSecrets#keyedHash} under one server secret, with the HMAC key set up once: each
 * hash clones a prepared {@link Mac} instead of looking the algorithm up and keying it again
 * (issue 15: a new Mac per API request was part of the 12 % the key check cost). Thread-safe: the
 * prototype is only cloned, never used.
 */
public final class KeyedHash {

  private final byte[] serverSecret;
  private final Mac prototype;

  /** @param serverSecret at least 32 bytes (RFC 2104 §3) */
  public KeyedHash(byte[] serverSecret) {
    HmacSha256.requireKey(serverSecret, "server secret for generated credentials");
    this.serverSecret = serverSecret.clone();
    this.prototype = HmacSha256.newMac(serverSecret);
  }

  /** Lower-case hex HMAC-SHA-256 of {@code secret} normalised, as {@link GeneratedSecrets#keyedHash}. */
  public String of(String secret) {
    Objects.requireNonNull(secret, "secret");
    return HexFormat.of().formatHex(
        HmacSha256.mac(prototype, serverSecret, GeneratedSecrets.normalize(secret).getBytes(StandardCharsets.UTF_8)));
  }
}
