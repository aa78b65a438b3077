package dev.hikyaku.auth.credential;

import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Argon2id hash in the PHC string format, the form libargon2 and password4j write: {@code
 * $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<tag>}, salt and tag in base64 without padding
 * (PHC string format, "B64" encoding).
 *
 * <p>Only what this server writes is accepted: variant argon2id, version 0x13 (RFC 9106 §3.1),
 * parameters within {@link Argon2Parameters}' bounds, salt and tag of RFC 9106 §3.1 lengths.
 */
record Argon2Phc(Argon2Parameters parameters, byte[] salt, byte[] tag) {

  /** RFC 9106 §3.1: version number v is one byte, 0x13. */
  static final int VERSION = 0x13;

  /** RFC 9106 §3.1: salt length 8 to 2^32 − 1 bytes; tag length 4 to 2^32 − 1 bytes. */
  static final int MIN_SALT_BYTES = 8;

  static final int MIN_TAG_BYTES = 4;

  /** Far above anything written here (16-byte salt, 32-byte tag), low enough to bound the parse. */
  static final int MAX_ENCODED_FIELD = 1024;

  // PHC: decimal values without sign or leading zeros; B64 is [A-Za-z0-9+/] without '='.
  private static final Pattern FORMAT =
      Pattern.compile(
          "\\$argon2id\\$v=(\\d{1,3})\\$m=([1-9]\\d{0,9}),t=([1-9]\\d{0,9}),p=([1-9]\\d{0,9})"
              + "\\$([A-Za-z0-9+/]{11,1024})\\$([A-Za-z0-9+/]{6,1024})");

  Argon2Phc {
    salt = salt.clone();
    tag = tag.clone();
  }

  /**
   * The well-formed hash {@code text} holds, or empty with no detail (the text may be secret-ish).
   */
  static Optional<Argon2Phc> parse(String text) {
    if (text == null || text.length() > 3 * MAX_ENCODED_FIELD) {
      return Optional.empty();
    }
    Matcher m = FORMAT.matcher(text);
    if (!m.matches() || Integer.parseInt(m.group(1)) != VERSION) {
      return Optional.empty();
    }
    long memory = Long.parseLong(m.group(2));
    long iterations = Long.parseLong(m.group(3));
    long parallelism = Long.parseLong(m.group(4));
    if (parallelism > Argon2Parameters.MAX_PARALLELISM
        || memory < 8 * parallelism
        || memory > Argon2Parameters.MAX_MEMORY_KIB
        || iterations > Argon2Parameters.MAX_ITERATIONS) {
      return Optional.empty();
    }
    Optional<byte[]> salt = unpaddedBase64(m.group(5));
    Optional<byte[]> tag = unpaddedBase64(m.group(6));
    if (salt.isEmpty()
        || tag.isEmpty()
        || salt.get().length < MIN_SALT_BYTES
        || tag.get().length < MIN_TAG_BYTES) {
      return Optional.empty();
    }
    return Optional.of(
        new Argon2Phc(
            new Argon2Parameters((int) memory, (int) iterations, (int) parallelism),
            salt.get(),
            tag.get()));
  }

  /** The PHC string for this hash. */
  String format() {
    Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
    return "$argon2id$v="
        + VERSION
        + "$m="
        + parameters.memoryKiB()
        + ",t="
        + parameters.iterations()
        + ",p="
        + parameters.parallelism()
        + "$"
        + b64.encodeToString(salt)
        + "$"
        + b64.encodeToString(tag);
  }

  @Override
  public byte[] salt() {
    return salt.clone();
  }

  @Override
  public byte[] tag() {
    return tag.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Argon2Phc that
        && parameters.equals(that.parameters)
        && Arrays.equals(salt, that.salt)
        && Arrays.equals(tag, that.tag);
  }

  @Override
  public int hashCode() {
    return parameters.hashCode() * 31 + Arrays.hashCode(salt);
  }

  @Override
  public String toString() {
    return "Argon2Phc[" + parameters + ", salt " + salt.length + " bytes, tag redacted]";
  }

  /**
   * Unpadded base64 (PHC "B64"): a length of 1 mod 4 cannot come from any byte string, and the
   * unused low bits of the last character must be zero, so each byte string has one spelling.
   */
  private static Optional<byte[]> unpaddedBase64(String text) {
    if (text.length() % 4 == 1) {
      return Optional.empty();
    }
    byte[] decoded = Base64.getDecoder().decode(text);
    if (!Base64.getEncoder().withoutPadding().encodeToString(decoded).equals(text)) {
      return Optional.empty();
    }
    return Optional.of(decoded);
  }
}
