package dev.hikyaku.mailauth;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Signs a message with DKIM (RFC 6376): relaxed/relaxed canonicalization, the SHA-256 body hash,
 * and one DKIM-Signature field per key (an RSA and an Ed25519 key sign side by side, RFC 8463 §6).
 *
 * <p>The signed fields are those of RFC 6376 §5.4.1's list that the message has, every instance of
 * each; {@code From} is signed once more than it occurs (RFC 6376 §8.15, "over-signing"), so that
 * nobody can add a second From under the signature.
 */
public final class DkimSigner {

  /** RFC 6376 §5.4.1: the fields that make up what a reader sees and what a reply goes to. */
  static final List<String> SIGNED_FIELDS = List.of(
      "from", "sender", "reply-to", "subject", "date", "message-id", "to", "cc",
      "mime-version", "content-type", "content-transfer-encoding", "content-id", "content-description",
      "in-reply-to", "references",
      "resent-date", "resent-from", "resent-sender", "resent-to", "resent-cc", "resent-message-id",
      "list-id", "list-help", "list-unsubscribe", "list-unsubscribe-post", "list-subscribe", "list-post",
      "list-owner", "list-archive");
  /** Signed one more time than they occur (RFC 6376 §8.15). */
  static final List<String> OVERSIGNED_FIELDS = List.of("from");

  private static final int LINE = 76;

  private final Clock clock;

  public DkimSigner(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * The DKIM-Signature fields for {@code message} (CRLF line ends), one per key, each ending in
   * CRLF: to be put in front of the message's header section.
   *
   * @throws GeneralSecurityException when a key cannot sign (a damaged key in the store)
   */
  public byte[] signatureFields(byte[] message, List<DkimKey> keys) throws GeneralSecurityException {
    return signatureFields(new byte[0], message, keys);
  }

  /**
   * The DKIM-Signature fields for the message {@code prepended} then {@code message}, as if they
   * were one array, without joining them: {@code prepended} is whole header fields (each ending in
   * CRLF, no empty line) that will be stored in front of {@code message}, as intake adds Date,
   * Message-ID and Sender (issue 15 point 2: the message is not copied to be signed).
   *
   * @throws GeneralSecurityException when a key cannot sign (a damaged key in the store)
   */
  public byte[] signatureFields(byte[] prepended, byte[] message, List<DkimKey> keys) throws GeneralSecurityException {
    if (keys.isEmpty()) {
      return new byte[0];
    }
    if (prepended.length > 0 && message.length > 0 && (message[0] == ' ' || message[0] == '\t')) {
      // RFC 5322 §2.2.3: a message that opens with WSP continues the last field put in front of
      // it. Not a message a client sends; signed as the one array it will be stored as.
      byte[] joined = Arrays.copyOf(prepended, prepended.length + message.length);
      System.arraycopy(message, 0, joined, prepended.length, message.length);
      return signatureFields(new byte[0], joined, keys);
    }
    List<HeaderField> fields = new ArrayList<>(HeaderField.parse(prepended));
    fields.addAll(HeaderField.parse(message));
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    String bodyHash = Base64.getEncoder().encodeToString(
        Canonical.relaxedBodyDigest(message, HeaderField.bodyStart(message), sha256));
    List<String> names = signedNames(fields);
    byte[] headers = canonicalHeaders(fields, names).getBytes(StandardCharsets.ISO_8859_1);
    long now = clock.instant().getEpochSecond();

    ByteArrayOutputStream out = new ByteArrayOutputStream(600 * keys.size());
    for (DkimKey key : keys) {
      String unsigned = "DKIM-Signature: v=1; a=" + key.algorithm().tag() + "; c=relaxed/relaxed; d=" + key.domain()
          + "; s=" + key.selector() + ";\r\n\tt=" + now + "; h=" + fold(String.join(":", names), ':')
          + ";\r\n\tbh=" + bodyHash + ";\r\n\tb=";
      // RFC 6376 §3.7: the signature field itself, b= empty, canonicalized, without its final CRLF.
      String canonical = Canonical.relaxedHeader(new HeaderField("DKIM-Signature", unsigned + "\r\n"));
      ByteArrayOutputStream data = new ByteArrayOutputStream(headers.length + canonical.length());
      data.writeBytes(headers);
      data.writeBytes(canonical.substring(0, canonical.length() - 2).getBytes(StandardCharsets.ISO_8859_1));
      String signature = Base64.getEncoder().encodeToString(key.algorithm().sign(key.privateKey(), data.toByteArray()));
      out.writeBytes((unsigned + foldBase64(signature) + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }
    return out.toByteArray();
  }

  /** The h= list: every instance of each signable field present, plus the over-signed extra. */
  static List<String> signedNames(List<HeaderField> fields) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (HeaderField field : fields) {
      counts.merge(field.key(), 1, Integer::sum);
    }
    List<String> names = new ArrayList<>();
    for (String name : SIGNED_FIELDS) {
      int times = counts.getOrDefault(name, 0) + (OVERSIGNED_FIELDS.contains(name) ? 1 : 0);
      for (int i = 0; i < times; i++) {
        names.add(name);
      }
    }
    return names;
  }

  /**
   * RFC 6376 §5.4.2: for each name in h=, the next instance from the bottom of the header; a name
   * with no instance left contributes nothing (the over-signed "null" field).
   */
  static String canonicalHeaders(List<HeaderField> fields, List<String> names) {
    return canonicalHeaders(fields, names, Canonical::relaxedHeader);
  }

  /** As above, with the header canonicalization a signature names (the verifier's simple or relaxed). */
  static String canonicalHeaders(List<HeaderField> fields, List<String> names, Function<HeaderField, String> canonical) {
    Map<String, Integer> used = new HashMap<>();
    StringBuilder out = new StringBuilder();
    for (String name : names) {
      int skip = used.merge(name, 1, Integer::sum) - 1;
      for (int i = fields.size() - 1, seen = 0; i >= 0; i--) {
        if (fields.get(i).key().equals(name) && seen++ == skip) {
          out.append(canonical.apply(fields.get(i)));
          break;
        }
      }
    }
    return out.toString();
  }

  /** Folds a tag value at {@code separator}s so that lines stay short (FWS is allowed there). */
  private static String fold(String value, char separator) {
    StringBuilder out = new StringBuilder();
    int column = 16;
    for (String part : value.split(String.valueOf(separator), -1)) {
      if (out.length() > 0) {
        out.append(separator);
        column++;
        if (column + part.length() > LINE) {
          out.append("\r\n\t");
          column = 1;
        }
      }
      out.append(part);
      column += part.length();
    }
    return out.toString();
  }

  /** b= folded into lines; the verifier drops all whitespace in it (RFC 6376 §3.5). */
  private static String foldBase64(String value) {
    StringBuilder out = new StringBuilder();
    int first = LINE - 3;
    out.append(value, 0, Math.min(first, value.length()));
    for (int i = first; i < value.length(); i += LINE) {
      out.append("\r\n\t").append(value, i, Math.min(value.length(), i + LINE));
    }
    return out.toString();
  }
}
