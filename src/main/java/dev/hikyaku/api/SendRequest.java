package dev.hikyaku.api;

import static dev.hikyaku.api.JsonMembers.array;
import static dev.hikyaku.api.JsonMembers.hasControl;
import static dev.hikyaku.api.JsonMembers.isAbsentOrArray;
import static dev.hikyaku.api.JsonMembers.isMissing;

import dev.hikyaku.api.JsonMembers.Errors;
import dev.hikyaku.protocol.Envelope;
import dev.hikyaku.protocol.ForwardPath;
import dev.hikyaku.protocol.MailParams;
import dev.hikyaku.protocol.RcptParams;
import dev.hikyaku.protocol.ReversePath;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.james.mime4j.dom.field.ContentTypeField;
import org.apache.james.mime4j.field.address.DefaultAddressParser;
import org.apache.james.mime4j.field.address.ParseException;
import tools.jackson.databind.JsonNode;

/**
 * One message as {@code POST /v1/messages} takes it (API.md §2), read and checked member by member.
 * Every invalid member is named by its JSON pointer (RFC 6901), not only the first, and a member
 * the API does not know is invalid too: a misspelt {@code "bbc"} must not send a message without
 * its blind copies.
 *
 * <pre>{@code
 * {"from": {"email": "billing@example.jp", "name": "Example"} | "Example <billing@example.jp>",
 *  "to": [address...], "cc": [...], "bcc": [...], "reply_to": address | [address...],
 *  "subject": "...", "text": "...", "html": "...", "headers": {"X-Campaign": "spring"},
 *  "attachments": [{"filename": "a.pdf", "content_type": "application/pdf", "content": "<base64>",
 *                   "content_id": "logo"}],
 *  "tags": ["invoice"], "metadata": {"order_id": "1042"}}
 * }</pre>
 *
 * <p>The limits are data ({@link #MAX_TAGS} and the constants beside it), chosen so that a header
 * line stays within RFC 5322 §2.1.1's 998 characters unfolded and the history row stays small.
 *
 * @param from the author, and the envelope's reverse-path
 * @param bcc envelope recipients only: never written into the header
 * @param headers extra header fields, none of them one the API writes itself
 * @param attachments in order; those with a content id are inline, in multipart/related with the HTML
 */
record SendRequest(
    Address from,
    List<Address> to,
    List<Address> cc,
    List<Address> bcc,
    List<Address> replyTo,
    Optional<String> subject,
    Optional<String> text,
    Optional<String> html,
    Map<String, String> headers,
    List<Attachment> attachments,
    List<String> tags,
    Map<String, String> metadata) {

  static final int MAX_TAGS = 10;
  static final int MAX_TAG_LENGTH = 64;
  static final int MAX_METADATA = 20;
  static final int MAX_METADATA_NAME = 64;
  static final int MAX_METADATA_VALUE = 512;
  static final int MAX_HEADERS = 50;
  /** RFC 5322 §2.1.1 would allow 998 for name, colon, space and value; these keep within it. */
  static final int MAX_HEADER_NAME = 76;
  static final int MAX_HEADER_VALUE = 900;
  static final int MAX_ADDRESS_TEXT = 998;
  static final int MAX_NAME = 256;
  static final int MAX_SUBJECT = 998;
  static final int MAX_FILENAME = 255;
  static final int MAX_CONTENT_ID = 250;

  /** The members of a message; any other is refused. */
  static final Set<String> MEMBERS = Set.of(
      "from", "to", "cc", "bcc", "reply_to", "subject", "text", "html", "headers", "attachments", "tags", "metadata");
  private static final Set<String> ADDRESS_MEMBERS = Set.of("email", "name");

  /**
   * Header fields the API writes itself, from members or from intake (RFC 5322 §3.6, RFC 2045
   * §3, trace fields of RFC 5321 §4.4, signatures of RFC 6376, results of RFC 8601), compared
   * without regard to case; with {@link #OWNED_PREFIXES}.
   */
  static final Set<String> OWNED_HEADERS = Set.of(
      "from", "sender", "to", "cc", "bcc", "reply-to", "subject", "date", "message-id", "mime-version", "received",
      "return-path", "dkim-signature", "authentication-results");
  /** MIME's own fields (RFC 2045 §9: Content-*), ARC sets (RFC 8617), resent blocks (RFC 5322 §3.6.6). */
  static final List<String> OWNED_PREFIXES = List.of("content-", "arc-", "resent-");

  SendRequest {
    Objects.requireNonNull(from, "from");
    to = List.copyOf(to);
    cc = List.copyOf(cc);
    bcc = List.copyOf(bcc);
    replyTo = List.copyOf(replyTo);
    attachments = List.copyOf(attachments);
    tags = List.copyOf(tags);
  }

  /** An address of the request: the mailbox as RFC 5321 reads it, and a display name. */
  record Address(ForwardPath path, Optional<String> name) {}

  /**
   * One attachment, decoded.
   *
   * @param contentType the media type with its parameters, as mime4j parsed it
   * @param contentId set for an inline part (RFC 2392), without angle brackets
   */
  record Attachment(String filename, ContentTypeField contentType, byte[] content, Optional<String> contentId) {}

  /** The envelope: MAIL FROM the author, RCPT TO every to, cc and bcc (RFC 5321 §3.3). */
  Envelope envelope() {
    List<Envelope.Recipient> recipients = new ArrayList<>();
    for (List<Address> list : List.of(to, cc, bcc)) {
      list.forEach(address -> recipients.add(new Envelope.Recipient(address.path(), RcptParams.NONE)));
    }
    return new Envelope(new ReversePath(Optional.of(from.path().mailbox())), MailParams.NONE, recipients);
  }

  /** The request read from {@code json}, or every member that is wrong with it. */
  sealed interface Reading {
    record Valid(SendRequest request) implements Reading {}

    record Invalid(List<Problem.FieldError> errors) implements Reading {
      public Invalid {
        errors = List.copyOf(errors);
      }
    }
  }

  /**
   * Reads one message.
   *
   * @param at the pointer of {@code json} in the request body: "" for a message alone, {@code
   *     /messages/3} in a batch
   * @param maxRecipients {@code limits.max-recipients}, for to, cc and bcc together
   */
  static Reading read(JsonNode json, String at, int maxRecipients) {
    Errors errors = new Errors();
    if (json == null || !json.isObject()) {
      errors.add(at, "must be a JSON object");
      return new Reading.Invalid(errors.list);
    }
    errors.unknownMembers(json, at, MEMBERS);
    Optional<Address> from = Optional.empty();
    if (json.get("from") == null || json.get("from").isNull()) {
      errors.add(at + "/from", "is required: the author's address");
    } else {
      from = address(json.get("from"), at + "/from", errors);
    }
    List<Address> to = addresses(json.get("to"), at + "/to", errors);
    List<Address> cc = addresses(json.get("cc"), at + "/cc", errors);
    List<Address> bcc = addresses(json.get("bcc"), at + "/bcc", errors);
    int recipients = to.size() + cc.size() + bcc.size();
    if (recipients == 0 && isAbsentOrArray(json, "to") && isAbsentOrArray(json, "cc") && isAbsentOrArray(json, "bcc")) {
      errors.add(at + "/to", "the message needs at least one recipient in to, cc or bcc");
    } else if (recipients > maxRecipients) {
      errors.add(at, recipients + " recipients in to, cc and bcc; at most " + maxRecipients);
    }
    List<Address> replyTo = List.of();
    JsonNode reply = json.get("reply_to");
    if (reply != null && !reply.isNull()) {
      replyTo = reply.isArray() ? addresses(reply, at + "/reply_to", errors) : address(reply, at + "/reply_to", errors).stream().toList();
    }
    Optional<String> subject = JsonMembers.text(json, "subject", at, MAX_SUBJECT, true, errors);
    Optional<String> text = JsonMembers.text(json, "text", at, Integer.MAX_VALUE, false, errors);
    Optional<String> html = JsonMembers.text(json, "html", at, Integer.MAX_VALUE, false, errors);
    if (isMissing(json, "text") && isMissing(json, "html")) {
      errors.add(at + "/text", "the message needs a text or an html body (or both)");
    }
    Map<String, String> headers = SendContent.headers(json.get("headers"), at + "/headers", errors);
    List<Attachment> attachments =
        SendContent.attachments(json.get("attachments"), at + "/attachments", html.isPresent(), errors);
    List<String> tags = SendContent.tags(json.get("tags"), at + "/tags", errors);
    Map<String, String> metadata = SendContent.metadata(json.get("metadata"), at + "/metadata", errors);
    if (!errors.list.isEmpty() || from.isEmpty()) {
      return new Reading.Invalid(errors.list);
    }
    return new Reading.Valid(
        new SendRequest(from.get(), to, cc, bcc, replyTo, subject, text, html, headers, attachments, tags, metadata));
  }

  private static List<Address> addresses(JsonNode node, String at, Errors errors) {
    return array(node, at, "addresses", (item, pointer) -> address(item, pointer, errors), errors);
  }

  /** {@code {"email": ..., "name": ...}}, or a string: an address, or a name and an address in angle brackets. */
  private static Optional<Address> address(JsonNode node, String at, Errors errors) {
    if (node.isString()) {
      String written = node.stringValue();
      if (written.length() > MAX_ADDRESS_TEXT || hasControl(written)) {
        errors.add(at, "not an address");
        return Optional.empty();
      }
      try {
        // RFC 5322 §3.4 mailbox: "Name <local@domain>" or "local@domain".
        var mailbox = DefaultAddressParser.DEFAULT.parseMailbox(written);
        return path(mailbox.getAddress(), at, errors)
            .map(path -> new Address(path, Optional.ofNullable(mailbox.getName()).filter(name -> !name.isBlank())));
      } catch (ParseException | RuntimeException e) {
        errors.add(at, "not an address (RFC 5322 §3.4): " + written);
        return Optional.empty();
      }
    }
    if (!node.isObject()) {
      errors.add(at, "must be an address: {\"email\": ..., \"name\": ...} or a string");
      return Optional.empty();
    }
    errors.unknownMembers(node, at, ADDRESS_MEMBERS);
    JsonNode email = node.get("email");
    Optional<ForwardPath> path = Optional.empty();
    if (email == null || !email.isString()) {
      errors.add(at + "/email", "is required: a string holding the address");
    } else {
      path = path(email.stringValue(), at + "/email", errors);
    }
    Optional<String> name = JsonMembers.text(node, "name", at, MAX_NAME, true, errors);
    return path.map(p -> new Address(p, name.filter(n -> !n.isBlank())));
  }

  private static Optional<ForwardPath> path(String address, String at, Errors errors) {
    try {
      return Optional.of(mailbox(address));
    } catch (IllegalArgumentException e) {
      errors.add(at, e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * {@code address} as an RFC 5321 §4.1.2 mailbox with a domain, in ASCII: one the API sends from
   * or to.
   *
   * @throws IllegalArgumentException saying why it is not
   */
  static ForwardPath mailbox(String address) {
    ForwardPath path;
    try {
      path = ForwardPath.of(address);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not an RFC 5321 address: " + address, e);
    }
    if (path.isBarePostmaster()) {
      throw new IllegalArgumentException("an address needs a domain: " + address);
    }
    if (path.mailbox().isInternationalized()) {
      // RFC 6531 addresses need SMTPUTF8 on every hop and UTF-8 header fields; the API does not build those yet.
      throw new IllegalArgumentException("internationalized addresses (RFC 6531) are not supported over the API: " + address);
    }
    return path;
  }
}
