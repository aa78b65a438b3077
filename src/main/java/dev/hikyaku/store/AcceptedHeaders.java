package dev.hikyaku.store;

import java.util.Objects;
import java.util.Optional;

/**
 * The header fields a message was accepted with that an operator searches by or recognises it by:
 * each the unfolded value of the first field of that name (RFC 5322 §3.6 allows one of each), kept
 * in the message history.
 *
 * <p>Values longer than {@link #MAX_LENGTH} characters are cut there: RFC 5322 §2.1.1 limits a
 * line to 998 characters, so a longer value is folded text nobody reads whole in a listing, and
 * a header field may be up to 100 KiB.
 */
public record AcceptedHeaders(Optional<String> messageId, Optional<String> subject, Optional<String> from) {

  /** The most characters kept of each value (RFC 5322 §2.1.1: a line is at most 998 characters). */
  public static final int MAX_LENGTH = 998;

  /** A message without any of the fields (and messages built without headers, such as in tests). */
  public static final AcceptedHeaders NONE = new AcceptedHeaders(Optional.empty(), Optional.empty(), Optional.empty());

  public AcceptedHeaders {
    messageId = Objects.requireNonNull(messageId, "messageId").map(AcceptedHeaders::capped);
    subject = Objects.requireNonNull(subject, "subject").map(AcceptedHeaders::capped);
    from = Objects.requireNonNull(from, "from").map(AcceptedHeaders::capped);
  }

  /** {@code value} cut to {@link #MAX_LENGTH} characters, never between the halves of a surrogate pair. */
  static String capped(String value) {
    if (value.length() <= MAX_LENGTH) {
      return value;
    }
    int end = Character.isHighSurrogate(value.charAt(MAX_LENGTH - 1)) ? MAX_LENGTH - 1 : MAX_LENGTH;
    return value.substring(0, end);
  }
}
