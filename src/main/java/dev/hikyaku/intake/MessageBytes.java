package dev.hikyaku.intake;

import java.util.ArrayList;
import java.util.List;

/**
 * A message as intake builds it: header fields put in front of the content as received (Sender:,
 * Date and Message-ID, DKIM-Signature, Authentication-Results, Received; RFC 5321 §4.4 and RFC
 * 6376 §5.6 have them prepended), kept apart until the store is handed the message, so that no
 * stage copies the whole message to add a field (issue 15 point 2). {@link #toByteArray} is the
 * one copy.
 *
 * <p>Immutable as far as it goes: the arrays are not copied, and nobody changes them once here.
 */
final class MessageBytes {

  private final List<byte[]> prepended; // top first
  private final byte[] content;

  private MessageBytes(List<byte[]> prepended, byte[] content) {
    this.prepended = prepended;
    this.content = content;
  }

  /** The content as received, nothing in front. */
  static MessageBytes of(byte[] content) {
    return new MessageBytes(List.of(), content);
  }

  /** With {@code fields} (whole header fields, each ending in CRLF) on top; unchanged when empty. */
  MessageBytes withFieldsOnTop(byte[] fields) {
    if (fields.length == 0) {
      return this;
    }
    List<byte[]> top = new ArrayList<>(prepended.size() + 1);
    top.add(fields);
    top.addAll(prepended);
    return new MessageBytes(List.copyOf(top), content);
  }

  /** The content as received, without what was put in front. */
  byte[] content() {
    return content;
  }

  /** Every field put in front, top first, as one (small) array. */
  byte[] prependedFields() {
    int length = 0;
    for (byte[] fields : prepended) {
      length += fields.length;
    }
    byte[] out = new byte[length];
    copyFieldsInto(out);
    return out;
  }

  /** Copies the fields put in front to the start of {@code out}; returns where they end. */
  private int copyFieldsInto(byte[] out) {
    int at = 0;
    for (byte[] fields : prepended) {
      System.arraycopy(fields, 0, out, at, fields.length);
      at += fields.length;
    }
    return at;
  }

  /** Octets of the whole message. */
  int length() {
    int length = content.length;
    for (byte[] fields : prepended) {
      length += fields.length;
    }
    return length;
  }

  /** The whole message in one array: the content itself when nothing was put in front. */
  byte[] toByteArray() {
    if (prepended.isEmpty()) {
      return content;
    }
    byte[] out = new byte[length()];
    System.arraycopy(content, 0, out, copyFieldsInto(out), content.length);
    return out;
  }
}
