package dev.hikyaku.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.james.mime4j.codec.EncoderUtil;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.field.Fields;
import org.apache.james.mime4j.internal.AbstractEntityBuilder;
import org.apache.james.mime4j.message.BasicBodyFactory;
import org.apache.james.mime4j.message.BodyPartBuilder;
import org.apache.james.mime4j.message.DefaultMessageWriter;
import org.apache.james.mime4j.message.MultipartBuilder;
import org.apache.james.mime4j.stream.NameValuePair;
import org.apache.james.mime4j.stream.RawField;
import org.apache.james.mime4j.util.MimeUtil;

/**
 * Builds the message of a {@link SendRequest} with mime4j (RFC 5322 header, RFC 2045–2049 MIME),
 * never by pasting strings together: display names and a subject outside US-ASCII become RFC 2047
 * encoded words, long fields are folded, boundaries are mime4j's.
 *
 * <p>The structure, from the inside out (RFC 2046 §5.1, RFC 2387):
 *
 * <ul>
 *   <li>the HTML with its inline attachments (a {@code content_id} each) in multipart/related;
 *   <li>text and HTML as multipart/alternative, plain text first (RFC 2046 §5.1.4: the preferred
 *       last);
 *   <li>that, then the other attachments, in multipart/mixed.
 * </ul>
 *
 * Each level is there only when it has more than one part. Date and Message-ID are left to intake's
 * submission fix-ups (RFC 6409 §8.3), as for a message submitted over SMTP, and Bcc is never written.
 */
final class MimeComposer {

  private static final BasicBodyFactory BODIES = BasicBodyFactory.INSTANCE;
  /** RFC 2231 §7 attribute-char: US-ASCII but space, controls, "*", "'", "%" and RFC 2045 tspecials. */
  private static final String NOT_ATTRIBUTE_CHARS = "*'%()<>@,;:\\\"/[]?=";
  /** Encoded text per RFC 2231 §3 continuation, so that each parameter fits a folded line. */
  private static final int SEGMENT = 60;

  private MimeComposer() {}

  /** The message as it goes to intake: header and body, CRLF line ends. */
  static byte[] compose(SendRequest request) {
    Message.Builder message = Message.Builder.of();
    message.setFrom(mailbox(request.from()));
    if (!request.to().isEmpty()) {
      message.setTo(mailboxes(request.to()));
    }
    if (!request.cc().isEmpty()) {
      message.setCc(mailboxes(request.cc()));
    }
    if (!request.replyTo().isEmpty()) {
      message.setReplyTo(mailboxes(request.replyTo()));
    }
    request.subject().ifPresent(message::setSubject);
    request.headers().forEach((name, value) ->
        // RFC 2047 §5(1): an unstructured value outside US-ASCII as encoded words; mime4j folds it.
        // mime4j refuses (IllegalArgumentException) more than 50 used characters: a field name of
        // 49 to 76 characters answered 500 (found by SendRequestFuzzTest). Past 50 the first encoded
        // word only starts a little later; the line stays far below 998 octets.
        message.addField(new RawField(name, EncoderUtil.encodeIfNecessary(value, EncoderUtil.Usage.TEXT_TOKEN, Math.min(name.length() + 2, 50)))));
    fill(message, root(request));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      new DefaultMessageWriter().writeMessage(message.build(), out);
    } catch (IOException e) {
      throw new UncheckedIOException("writing a message to memory", e);
    }
    return out.toByteArray();
  }

  /** One entity to be: a single body or a multipart, with the fields that go with it. */
  private sealed interface Node {
    record Text(String subtype, String text) implements Node {}

    record Attachment(SendRequest.Attachment attachment) implements Node {}

    record Parts(String subtype, List<Node> parts, List<NameValuePair> parameters) implements Node {}
  }

  private static Node root(SendRequest request) {
    List<Node> inline = new ArrayList<>();
    List<Node> attached = new ArrayList<>();
    for (SendRequest.Attachment attachment : request.attachments()) {
      (attachment.contentId().isPresent() ? inline : attached).add(new Node.Attachment(attachment));
    }
    Optional<Node> html = request.html().map(text -> {
      Node part = new Node.Text("html", text);
      if (inline.isEmpty()) {
        return part;
      }
      List<Node> related = new ArrayList<>();
      related.add(part);
      related.addAll(inline);
      // RFC 2387 §3.1: the type parameter names the root's type.
      return new Node.Parts("related", related, List.of(new NameValuePair("type", "text/html")));
    });
    Optional<Node> text = request.text().map(body -> new Node.Text("plain", body));
    Node body = text.isPresent() && html.isPresent()
        ? new Node.Parts("alternative", List.of(text.get(), html.get()), List.of())
        : text.orElseGet(html::orElseThrow);
    if (attached.isEmpty()) {
      return body;
    }
    List<Node> mixed = new ArrayList<>();
    mixed.add(body);
    mixed.addAll(attached);
    return new Node.Parts("mixed", mixed, List.of());
  }

  /** Sets {@code entity}'s body and the fields that describe it. */
  private static void fill(AbstractEntityBuilder entity, Node node) {
    switch (node) {
      case Node.Text text -> {
        // RFC 2045 §6.8 / RFC 2046 §4.1.1: text is encoded in its canonical form, lines ending in CRLF.
        String canonical = withCrlf(text.text());
        entity.setBody(BODIES.textBody(canonical, StandardCharsets.UTF_8));
        entity.setContentType("text/" + text.subtype(), new NameValuePair("charset", "UTF-8"));
        entity.setContentTransferEncoding(transferEncoding(canonical.getBytes(StandardCharsets.UTF_8)));
      }
      case Node.Attachment part -> {
        SendRequest.Attachment attachment = part.attachment();
        entity.setBody(BODIES.binaryBody(attachment.content()));
        entity.setContentType(attachment.contentType().getMimeType(), attachment.contentType().getParameters().entrySet().stream()
            .map(parameter -> new NameValuePair(parameter.getKey(), parameter.getValue()))
            .toArray(NameValuePair[]::new));
        entity.setContentTransferEncoding(MimeUtil.ENC_BASE64);
        // RFC 2183: inline when the HTML refers to it by Content-ID (RFC 2392), else an attachment.
        entity.setField(Fields.contentDisposition(
            attachment.contentId().isPresent() ? "inline" : "attachment", filename(attachment.filename())));
        attachment.contentId().ifPresent(id -> entity.setField(new RawField("Content-ID", "<" + id + ">")));
      }
      case Node.Parts parts -> {
        MultipartBuilder multipart = MultipartBuilder.create(parts.subtype());
        parts.parameters().forEach(multipart::addContentTypeParameter);
        for (Node child : parts.parts()) {
          BodyPartBuilder part = BodyPartBuilder.create();
          fill(part, child);
          multipart.addBodyPart(part);
        }
        Multipart built = multipart.build();
        entity.setBody(built);
      }
    }
  }

  /**
   * Quoted-printable or base64, whichever is shorter for UTF-8 text (RFC 2045 §6.7, §6.8):
   * quoted-printable writes a non-ASCII octet in 3, base64 every octet in 4/3, so quoted-printable
   * wins while at most a sixth of the octets are non-ASCII (most Latin text; not Japanese).
   */
  static String transferEncoding(byte[] octets) {
    long nonAscii = 0;
    for (byte octet : octets) {
      if (octet < 0) {
        nonAscii++;
      }
    }
    return nonAscii * 6 <= octets.length ? MimeUtil.ENC_QUOTED_PRINTABLE : MimeUtil.ENC_BASE64;
  }

  /**
   * The filename parameter (RFC 2183 §2.3): as it is when printable US-ASCII (mime4j quotes it),
   * else in RFC 2231 form, UTF-8 and percent-encoded, in continuations short enough to fold.
   */
  static List<NameValuePair> filename(String name) {
    if (name.chars().allMatch(c -> c >= 32 && c < 127)) {
      return List.of(new NameValuePair("filename", name));
    }
    StringBuilder encoded = new StringBuilder();
    List<String> segments = new ArrayList<>();
    for (byte octet : name.getBytes(StandardCharsets.UTF_8)) {
      int c = octet & 0xFF;
      String piece = c > 32 && c < 127 && NOT_ATTRIBUTE_CHARS.indexOf(c) < 0 ? String.valueOf((char) c) : String.format("%%%02X", c);
      if (encoded.length() + piece.length() > SEGMENT) {
        segments.add(encoded.toString());
        encoded.setLength(0);
      }
      encoded.append(piece);
    }
    segments.add(encoded.toString());
    // RFC 2231 §4: the charset (and an empty language) lead the first segment only.
    if (segments.size() == 1) {
      return List.of(new NameValuePair("filename*", "UTF-8''" + segments.getFirst()));
    }
    List<NameValuePair> parameters = new ArrayList<>();
    for (int i = 0; i < segments.size(); i++) {
      parameters.add(new NameValuePair("filename*" + i + "*", (i == 0 ? "UTF-8''" : "") + segments.get(i)));
    }
    return parameters;
  }

  private static Mailbox mailbox(SendRequest.Address address) {
    var mailbox = address.path().mailbox();
    // mime4j writes the display name as a phrase, quoted or as encoded words (RFC 2047 §5(3)) as it needs.
    return new Mailbox(address.name().orElse(null), null, mailbox.localPart(), mailbox.domain());
  }

  private static List<Mailbox> mailboxes(List<SendRequest.Address> addresses) {
    return addresses.stream().map(MimeComposer::mailbox).toList();
  }

  /**
   * {@code text} with every line break (CRLF, a bare CR or a bare LF) as CRLF. One pass, and none
   * at all for text that already has only CRLFs or no breaks (a regex replace was a fifth of an API
   * send's CPU in the benchmark).
   */
  static String withCrlf(String text) {
    int i = 0;
    int length = text.length();
    while (i < length) {
      char c = text.charAt(i);
      if (c == '\n' || (c == '\r' && (i + 1 == length || text.charAt(i + 1) != '\n'))) {
        break;
      }
      i += c == '\r' ? 2 : 1;
    }
    if (i >= length) {
      return text;
    }
    StringBuilder out = new StringBuilder(length + length / 32 + 2);
    out.append(text, 0, i);
    for (; i < length; i++) {
      char c = text.charAt(i);
      if (c == '\r') {
        out.append("\r\n");
        if (i + 1 < length && text.charAt(i + 1) == '\n') {
          i++;
        }
      } else if (c == '\n') {
        out.append("\r\n");
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
