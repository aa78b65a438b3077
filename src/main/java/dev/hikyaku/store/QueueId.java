package dev.hikyaku.store;

import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * The name of one queued message: 16 characters of Crockford base32 (https://www.crockford.com/base32.html)
 * encoding 80 bits, big-endian: 48 bits of milliseconds since the epoch, then 32 random bits.
 *
 * <p>Why this shape: it sorts by acceptance time as a plain string (the alphabet is in ASCII order and
 * the width is fixed), it is safe in URLs, file names and Received headers (RFC 5321 §4.4: the "id"
 * clause), and it carries no sequence that tells an outsider how much mail the server handles.
 *
 * <p>The value is always canonical (upper case). {@link #parse} also accepts lower case, as typed by
 * a person; Crockford's look-alike substitutions (I, L, O) are rejected rather than guessed.
 */
public record QueueId(String value) implements Comparable<QueueId> {

  /** Characters in every queue id. */
  public static final int LENGTH = 16;

  private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  private static final long MAX_MILLIS = (1L << 48) - 1; // year 10889

  /** Requires the canonical form; use {@link #parse} for text from outside. */
  public QueueId {
    Objects.requireNonNull(value, "value");
    if (!isCanonical(value)) {
      throw new IllegalArgumentException("not a queue id: \"" + value + "\"");
    }
  }

  /** A new id for a message accepted now. */
  public static QueueId generate(Clock clock, RandomGenerator random) {
    long millis = clock.millis();
    if (millis < 0 || millis > MAX_MILLIS) {
      throw new IllegalStateException("clock outside the 48-bit queue id range: " + clock.instant());
    }
    long randomBits = random.nextInt() & 0xFFFF_FFFFL;
    // The 80-bit number is time << 32 | random; split it into two 40-bit halves of 8 characters each.
    long high = millis >>> 8;
    long low = ((millis & 0xFF) << 32) | randomBits;
    char[] text = new char[LENGTH];
    encode40(high, text, 0);
    encode40(low, text, 8);
    return new QueueId(new String(text));
  }

  /** The id named by {@code text}, or empty when {@code text} is not shaped like one. Never throws. */
  public static Optional<QueueId> parse(String text) {
    if (text == null || text.length() != LENGTH) {
      return Optional.empty();
    }
    String upper = text.toUpperCase(Locale.ROOT);
    // toUpperCase may change the length for some non-ASCII input; isCanonical checks it again.
    return isCanonical(upper) ? Optional.of(new QueueId(upper)) : Optional.empty();
  }

  /** When the message was accepted, to the millisecond, as encoded in the id. */
  public Instant timestamp() {
    long high = decode40(0);
    long low = decode40(8);
    return Instant.ofEpochMilli((high << 8) | (low >>> 32));
  }

  @Override
  public int compareTo(QueueId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }

  private static boolean isCanonical(String text) {
    if (text.length() != LENGTH) {
      return false;
    }
    for (int i = 0; i < LENGTH; i++) {
      if (ALPHABET.indexOf(text.charAt(i)) < 0) {
        return false;
      }
    }
    return true;
  }

  private static void encode40(long bits, char[] into, int offset) {
    for (int i = 7; i >= 0; i--) {
      into[offset + i] = ALPHABET.charAt((int) (bits & 31));
      bits >>>= 5;
    }
  }

  private long decode40(int offset) {
    long bits = 0;
    for (int i = 0; i < 8; i++) {
      bits = (bits << 5) | ALPHABET.indexOf(value.charAt(offset + i));
    }
    return bits;
  }
}
