package dev.hikyaku.api;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The opaque cursors of paged lists (API.md §2: {@code next_cursor}, never an offset): a kind and
 * the keyset of the last item a page showed, as base64url without padding (RFC 4648 §5), so a
 * cursor is safe in a query string as it is. Clients pass a cursor back as they got it and never
 * build one; the kind names its version ({@code m1}), so the content may change in a later release
 * without an old cursor being misread. A cursor only says where a page starts: every list is still
 * narrowed to the key's account, so a forged one shows nothing another account owns.
 */
final class Cursor {

  // NUL ends a field: no address, domain, id or number holds one (RFC 5321 §4.1.2 excludes it).
  private static final char SEPARATOR = '\0';
  /** Longer than any cursor we hand out (two addresses of 256 octets, a kind), shorter than abuse. */
  static final int MAX_LENGTH = 1024;

  private Cursor() {}

  /** The cursor of {@code kind} over {@code fields}, none of which may hold a NUL. */
  static String encode(String kind, List<String> fields) {
    StringBuilder text = new StringBuilder(kind);
    for (String field : fields) {
      if (field.indexOf(SEPARATOR) >= 0) {
        throw new IllegalArgumentException("a cursor field holds a NUL");
      }
      text.append(SEPARATOR).append(field);
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The fields of {@code text} when it is a cursor of {@code kind} with {@code count} fields; empty
   * for anything else (not base64url, not UTF-8, another kind or version, another count).
   */
  static Optional<List<String>> decode(String kind, int count, String text) {
    if (text.isEmpty() || text.length() > MAX_LENGTH) {
      return Optional.empty();
    }
    String decoded;
    try {
      byte[] octets = Base64.getUrlDecoder().decode(text);
      decoded = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(octets))
          .toString();
    } catch (IllegalArgumentException | CharacterCodingException e) {
      return Optional.empty();
    }
    List<String> parts = new ArrayList<>(List.of(decoded.split(String.valueOf(SEPARATOR), -1)));
    if (parts.size() != count + 1 || !parts.removeFirst().equals(kind)) {
      return Optional.empty();
    }
    return Optional.of(List.copyOf(parts));
  }
}
