package dev.hikyaku.api;

import static dev.hikyaku.api.JsonMembers.array;
import static dev.hikyaku.api.JsonMembers.hasControl;
import static dev.hikyaku.api.JsonMembers.stringMap;
import static dev.hikyaku.api.JsonMembers.text;
import static dev.hikyaku.api.SendRequest.MAX_CONTENT_ID;
import static dev.hikyaku.api.SendRequest.MAX_FILENAME;
import static dev.hikyaku.api.SendRequest.MAX_HEADERS;
import static dev.hikyaku.api.SendRequest.MAX_HEADER_NAME;
import static dev.hikyaku.api.SendRequest.MAX_HEADER_VALUE;
import static dev.hikyaku.api.SendRequest.MAX_METADATA;
import static dev.hikyaku.api.SendRequest.MAX_METADATA_NAME;
import static dev.hikyaku.api.SendRequest.MAX_METADATA_VALUE;
import static dev.hikyaku.api.SendRequest.MAX_TAGS;
import static dev.hikyaku.api.SendRequest.MAX_TAG_LENGTH;
import static dev.hikyaku.api.SendRequest.OWNED_HEADERS;
import static dev.hikyaku.api.SendRequest.OWNED_PREFIXES;

import dev.hikyaku.api.JsonMembers.Errors;
import dev.hikyaku.api.SendRequest.Attachment;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.james.mime4j.dom.field.ContentTypeField;
import org.apache.james.mime4j.field.Fields;
import tools.jackson.databind.JsonNode;

/**
 * The content members of a {@link SendRequest}, read and checked: extra header fields,
 * attachments, tags and metadata. The envelope's members (from, to, cc, bcc, reply_to) are
 * {@link SendRequest#read}'s.
 */
final class SendContent {

  private static final Set<String> ATTACHMENT_MEMBERS = Set.of("filename", "content_type", "content", "content_id");

  private SendContent() {}

  static Map<String, String> headers(JsonNode node, String at, Errors errors) {
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

  static List<Attachment> attachments(JsonNode node, String at, boolean hasHtml, Errors errors) {
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

  static List<String> tags(JsonNode node, String at, Errors errors) {
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

  static Map<String, String> metadata(JsonNode node, String at, Errors errors) {
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
}
