package dev.hikyaku.api;

import dev.hikyaku.protocol.Envelope;
import dev.hikyaku.protocol.ForwardPath;
import dev.hikyaku.protocol.MailParams;
import dev.hikyaku.protocol.RcptParams;
import dev.hikyaku.protocol.ReversePath;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.james.mime4j.dom.field.ContentTypeField;
import org.apache.james.mime4j.field.Fields;
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
  private static final Set<String> ATTACHMENT_MEMBERS = Set.of("filename", "content_type", "content", "content_id");

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
    Optional<String> subject = text(json, "subject", at, MAX_SUBJECT, true, errors);
    Optional<String> text = text(json, "text", at, Integer.MAX_VALUE, false, errors);
    Optional<String> html = text(json, "html", at, Integer.MAX_VALUE, false, errors);
    if (isMissing(json, "text") && isMissing(json, "html")) {
      errors.add(at + "/text", "the message needs a text or an html body (or both)");
    }
    Map<String, String> headers = headers(json.get("headers"), at + "/headers", errors);
    List<Attachment> attachments = attachments(json.get("attachments"), at + "/attachments", html.isPresent(), errors);
    List<String> tags = tags(json.get("tags"), at + "/tags", errors);
    Map<String, String> metadata = metadata(json.get("metadata"), at + "/metadata", errors);
    if (!errors.list.isEmpty() || from.isEmpty()) {
      return new Reading.Invalid(errors.list);
    }
    return new Reading.Valid(
        new SendRequest(from.get(), to, cc, bcc, replyTo, subject, text, html, headers, attachments, tags, metadata));
  }

  /** The invalid members found so far, in the order of the document. */
  private static final class Errors {
    final List<Problem.FieldError> list = new ArrayList<>();

    void add(String pointer, String detail) {
      list.add(new Problem.FieldError(pointer, detail));
    }

    void unknownMembers(JsonNode object, String at, Set<String> known) {
      for (String name : object.propertyNames()) {
        if (!known.contains(name)) {
          add(at + "/" + escape(name), "unknown member; the API knows " + String.join(", ", known.stream().sorted().toList()));
        }
      }
    }
  }

  /** RFC 6901 §3: "~" is written "~0" and "/" is written "~1" in a reference token. */
  static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }

  private static boolean isMissing(JsonNode json, String name) {
    return json.get(name) == null || json.get(name).isNull();
  }

  private static boolean isAbsentOrArray(JsonNode json, String name) {
    return isMissing(json, name) || json.get(name).isArray();
  }

  private static List<Address> addresses(JsonNode node, String at, Errors errors) {
    return array(node, at, "addresses", (item, pointer) -> address(item, pointer, errors), errors);
  }

  /** Reads one item of an array; empty when it is invalid (and said so). */
  @FunctionalInterface
  private interface ItemReader<T> {
    Optional<T> read(JsonNode item, String at);
  }

  /** The valid items of an array member, in order; absent or null is no items. */
  private static <T> List<T> array(JsonNode node, String at, String items, ItemReader<T> reader, Errors errors) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      errors.add(at, "must be an array of " + items);
      return List.of();
    }
    List<T> read = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      reader.read(node.get(i), at + "/" + i).ifPresent(read::add);
    }
    return read;
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
    Optional<String> name = text(node, "name", at, MAX_NAME, true, errors);
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

  /**
   * A string member; with {@code isOneLine}, without CR, LF or other controls (it goes into a
   * header field). Bodies may hold any text but NUL.
   */
  private static Optional<String> text(JsonNode json, String name, String at, int maxLength, boolean isOneLine, Errors errors) {
    JsonNode node = json.get(name);
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    String pointer = at + "/" + name;
    if (!node.isString()) {
      errors.add(pointer, "must be a string");
      return Optional.empty();
    }
    String value = node.stringValue();
    if (value.length() > maxLength) {
      errors.add(pointer, "is longer than " + maxLength + " characters");
    } else if (isOneLine ? hasControl(value) : value.indexOf('\0') >= 0) {
      errors.add(pointer, isOneLine ? "must be one line without control characters" : "must not contain NUL");
    } else {
      return Optional.of(value);
    }
    return Optional.empty();
  }

  private static Map<String, String> headers(JsonNode node, String at, Errors errors) {
    return stringMap(node, at, MAX_HEADERS, "header field names", (name, value) -> {
      if (!isFieldName(name)) {
        return Optional.of("not a header field name (RFC 5322 §3.6.8: 1 to " + MAX_HEADER_NAME
            + " printable US-ASCII characters but colon)");
      }
      if (isOwned(name)) {
        return Optional.of("the API writes " + name + " itself; set it through its member, if it has one");
      }
      if (value.length() > MAX_HEADER_VALUE || hasControl(value)) {
        return Optional.of("must be one line of at most " + MAX_HEADER_VALUE + " characters without CR, LF or other controls");
      }
      return Optional.empty();
    }, errors);
  }

  /** What is wrong with one member of an object of strings, or empty when nothing is. */
  @FunctionalInterface
  private interface MemberRule {
    Optional<String> problem(String name, String value);
  }

  /** An object whose members are all strings, in order, each judged by {@code rule}; at most {@code maxMembers}. */
  private static Map<String, String> stringMap(
      JsonNode node, String at, int maxMembers, String names, MemberRule rule, Errors errors) {
    if (node == null || node.isNull()) {
      return Map.of();
    }
    if (!node.isObject()) {
      errors.add(at, "must be an object of " + names + " to string values");
      return Map.of();
    }
    if (node.size() > maxMembers) {
      errors.add(at, "more than " + maxMembers + " members");
      return Map.of();
    }
    Map<String, String> members = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> member : node.properties()) {
      String pointer = at + "/" + escape(member.getKey());
      if (!member.getValue().isString()) {
        errors.add(pointer, "must be a string");
        continue;
      }
      String value = member.getValue().stringValue();
      Optional<String> problem = rule.problem(member.getKey(), value);
      if (problem.isPresent()) {
        errors.add(pointer, problem.get());
      } else {
        members.put(member.getKey(), value);
      }
    }
    return members;
  }

  /** RFC 5322 §3.6.8: {@code field-name = 1*ftext}, ftext = %d33-57 / %d59-126. */
  private static boolean isFieldName(String name) {
    if (name.isEmpty() || name.length() > MAX_HEADER_NAME) {
      return false;
    }
    return name.chars().allMatch(c -> c >= 33 && c <= 126 && c != ':');
  }

  private static boolean isOwned(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return OWNED_HEADERS.contains(lower) || OWNED_PREFIXES.stream().anyMatch(lower::startsWith);
  }

  private static List<Attachment> attachments(JsonNode node, String at, boolean hasHtml, Errors errors) {
    return array(node, at, "attachments", (item, pointer) -> attachment(item, pointer, hasHtml, errors), errors);
  }

  private static Optional<Attachment> attachment(JsonNode node, String at, boolean hasHtml, Errors errors) {
    if (!node.isObject()) {
      errors.add(at, "must be an object: filename, content_type, content, content_id");
      return Optional.empty();
    }
    errors.unknownMembers(node, at, ATTACHMENT_MEMBERS);
    int before = errors.list.size();
    Optional<String> filename = text(node, "filename", at, MAX_FILENAME, true, errors);
    if (filename.isEmpty() && before == errors.list.size()) {
      errors.add(at + "/filename", "is required");
    }
    Optional<ContentTypeField> type = contentType(node.get("content_type"), at + "/content_type", errors);
    Optional<byte[]> content = Optional.empty();
    JsonNode encoded = node.get("content");
    if (encoded == null || !encoded.isString()) {
      errors.add(at + "/content", "is required: the attachment's octets in base64 (RFC 4648 §4)");
    } else {
      try {
        // Line breaks are allowed, as MIME's base64 has them; nothing else outside the alphabet.
        content = Optional.of(Base64.getDecoder().decode(encoded.stringValue().replace("\r", "").replace("\n", "")));
      } catch (IllegalArgumentException e) {
        errors.add(at + "/content", "not base64 (RFC 4648 §4): " + e.getMessage());
      }
    }
    Optional<String> contentId = text(node, "content_id", at, MAX_CONTENT_ID, true, errors);
    if (contentId.isPresent()) {
      if (!isContentId(contentId.get())) {
        errors.add(at + "/content_id", "not a content id (RFC 2392: printable US-ASCII without space, angle brackets or quotes)");
      } else if (!hasHtml) {
        errors.add(at + "/content_id", "an inline attachment is referred to by the html body; the message has none");
      }
    }
    if (errors.list.size() > before) {
      return Optional.empty();
    }
    return Optional.of(new Attachment(filename.get(), type.get(), content.get(), contentId));
  }

  /**
   * RFC 2045 §5.1 {@code type "/" subtype}, each a token (no tspecials). mime4j's parser is lenient
   * about both and its writer strict, so "applicat=ion/pdf" was read and then failed to compose: 500
   * (found by SendRequestFuzzTest).
   */
  private static final Pattern MEDIA_TYPE =
      Pattern.compile("[!#$%&'*+.^_`{|}~0-9A-Za-z-]+/[!#$%&'*+.^_`{|}~0-9A-Za-z-]+");

  /** A media type with parameters (RFC 2045 §5.1); not multipart, whose structure the API builds. */
  private static Optional<ContentTypeField> contentType(JsonNode node, String at, Errors errors) {
    if (node == null || !node.isString()) {
      errors.add(at, "is required: a media type such as application/pdf");
      return Optional.empty();
    }
    String written = node.stringValue();
    // RFC 2045 §5.1: type, subtype and parameters are US-ASCII. mime4j parses a non-ASCII type
    // leniently here but refuses it when composing, which answered 500 (found by SendRequestFuzzTest).
    if (hasControl(written) || written.length() > MAX_HEADER_VALUE || !written.chars().allMatch(c -> c < 0x80)) {
      errors.add(at, "not a media type: " + written);
      return Optional.empty();
    }
    ContentTypeField field = Fields.contentType(written);
    if (field.getParseException() != null || field.getMimeType() == null || !written.strip().toLowerCase(Locale.ROOT)
        .startsWith(field.getMimeType()) || !MEDIA_TYPE.matcher(field.getMimeType()).matches()) {
      errors.add(at, "not a media type (RFC 2045 §5.1): " + written);
      return Optional.empty();
    }
    if (field.isMultipart()) {
      errors.add(at, "a multipart type is the API's to build; give the parts as attachments");
      return Optional.empty();
    }
    return Optional.of(field);
  }

  /** RFC 2392 content id without its angle brackets: printable US-ASCII, no space, no specials that would break it. */
  private static boolean isContentId(String id) {
    return !id.isEmpty() && id.chars().allMatch(c -> c > 32 && c < 127 && c != '<' && c != '>' && c != '"' && c != '\\');
  }

  private static List<String> tags(JsonNode node, String at, Errors errors) {
    if (node != null && node.isArray() && node.size() > MAX_TAGS) {
      errors.add(at, "more than " + MAX_TAGS + " tags");
      return List.of();
    }
    return array(node, at, "strings", (tag, pointer) -> {
      if (!tag.isString() || tag.stringValue().isEmpty() || tag.stringValue().length() > MAX_TAG_LENGTH || hasControl(tag.stringValue())) {
        errors.add(pointer, "a tag is a string of 1 to " + MAX_TAG_LENGTH + " characters without controls");
        return Optional.empty();
      }
      return Optional.of(tag.stringValue());
    }, errors);
  }


  private static Map<String, String> metadata(JsonNode node, String at, Errors errors) {
    return stringMap(node, at, MAX_METADATA, "names", (name, value) -> {
      if (name.isEmpty() || name.length() > MAX_METADATA_NAME || hasControl(name)) {
        return Optional.of("a name is 1 to " + MAX_METADATA_NAME + " characters without controls");
      }
      if (value.length() > MAX_METADATA_VALUE) {
        return Optional.of("is longer than " + MAX_METADATA_VALUE + " characters");
      }
      return Optional.empty();
    }, errors);
  }

  /** Whether {@code text} holds a C0 control (CR and LF among them) or DEL. */
  private static boolean hasControl(String text) {
    return text.chars().anyMatch(c -> c < 32 || c == 127);
  }
}
