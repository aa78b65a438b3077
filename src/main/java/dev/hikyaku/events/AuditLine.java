package dev.hikyaku.events;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import tools.jackson.core.JsonEncoding;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.SerializableString;
import tools.jackson.core.io.CharacterEscapes;
import tools.jackson.core.io.SerializedString;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonWriteFeature;

/**
 * One audit-log record: a JSON object on one line, UTF-8, ending in LF. The fields come in a fixed
 * order ({@code ts}, {@code event}, then the event's own fields in snake_case); absent values (null
 * or empty) are left out. docs/audit-log.md is the format's reference: change both together.
 *
 * <p>Every value goes through Jackson's string escaping, so nothing a client chose (an account name,
 * a recipient) can end a line, open a field or forge a record: quotes, backslashes and all control
 * characters are escaped, and so are the characters some line readers also break on or terminals
 * act on (see {@link LineSafeEscapes}).
 */
final class AuditLine {

  /** ISO-8601 in UTC, always with milliseconds, so the lines sort and fail2ban parses one shape. */
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private static final JsonFactory JSON =
      JsonFactory.builder()
          // "/" needs no escape in JSON (RFC 8259 §7); escaping it would only make replies harder to read.
          .disable(JsonWriteFeature.ESCAPE_FORWARD_SLASHES)
          .characterEscapes(new LineSafeEscapes())
          .build();

  private AuditLine() {}

  /**
   * The line for {@code event}, or empty when the event is not an audit record (connection noise,
   * accepted messages). The switch names every event, so a new one must be decided on here.
   */
  static Optional<byte[]> encode(Event event) {
    return switch (event) {
      case Event.AuthAttempt e ->
          Optional.of(
              new Fields(e.at(), "auth")
                  .put("session_id", e.sessionId())
                  .put("listener", e.listener())
                  .put("client", e.client())
                  .put("tls_protocol", e.tlsProtocol())
                  .put("tls_cipher", e.tlsCipher())
                  .put("mechanism", e.mechanism())
                  .put("account", e.account())
                  .put("result", result(e.result()))
                  .put("reason", e.reason())
                  .end());
      case Event.ClientBlocked e ->
          Optional.of(
              new Fields(e.at(), "client_blocked")
                  .put("scope", e.scope())
                  .put("subject", e.subject())
                  .put("until", e.until())
                  .put("reason", e.reason())
                  .end());
      case Event.ClientUnblocked e ->
          Optional.of(
              new Fields(e.at(), "client_unblocked")
                  .put("scope", e.scope())
                  .put("subject", e.subject())
                  .put("by", e.by())
                  .end());
      case Event.AccountSuspended e ->
          Optional.of(
              new Fields(e.at(), "account_suspended").put("account", e.account()).put("reason", e.reason()).end());
      case Event.AccountUnsuspended e ->
          Optional.of(new Fields(e.at(), "account_unsuspended").put("account", e.account()).put("by", e.by()).end());
      case Event.AttackSuspected e ->
          Optional.of(new Fields(e.at(), "attack_suspected").put("kind", e.kind()).put("detail", e.detail()).end());
      // Only the relay rule's refusals are relay denials (RFC 5321 §3.6.1; fail2ban's hikyaku-relay
      // filter bans on them); a rate limit or an unknown recipient is not an attack in itself.
      case Event.RecipientRejected e ->
          Optional.of(
              new Fields(e.at(), e.rule().equals("relay") ? "relay_denied" : "recipient_rejected")
                  .put("session_id", e.sessionId())
                  .put("client", e.client())
                  .put("recipient", e.recipient())
                  .put("reply", e.reply())
                  .put("rule", e.rule())
                  .put("reason", e.reason())
                  .end());
      // Every sender refusal the policy chain makes today is sender ownership's (RFC 6409 §4.2).
      case Event.SenderRejected e ->
          Optional.of(
              new Fields(e.at(), "sender_rejected")
                  .put("session_id", e.sessionId())
                  .put("client", e.client())
                  .put("sender", e.sender())
                  .put("reply", e.reply())
                  .put("rule", e.rule())
                  .put("reason", e.reason())
                  .end());
      case Event.ApiKeyChecked e ->
          Optional.of(
              new Fields(e.at(), "api_auth")
                  .put("client", e.client())
                  .put("key", e.key())
                  .put("account", e.account())
                  .put("result", e.result())
                  .put("reason", e.reason())
                  .end());
      case Event.AdminChange e ->
          Optional.of(
              new Fields(e.at(), "admin_change")
                  .put("command", e.command())
                  .put("subject", e.subject())
                  .put("detail", e.detail())
                  .end());
      // The server's own decision about something an account configured: the operator should see it.
      case Event.WebhookDisabled e ->
          Optional.of(
              new Fields(e.at(), "webhook_disabled")
                  .put("webhook", e.endpointId())
                  .put("account", e.account())
                  .put("url", e.url())
                  .put("reason", e.reason())
                  .end());
      // Not a security matter: the endpoint's delivery log (GET /v1/webhooks/{id}/deliveries) and the metrics have it.
      case Event.WebhookAttempted e -> Optional.empty();
      case Event.ConnectionOpened e -> Optional.empty();
      case Event.ConnectionRefused e -> Optional.empty();
      case Event.ConnectionClosed e -> Optional.empty();
      case Event.TlsEstablished e -> Optional.empty();
      case Event.TlsFailed e -> Optional.empty();
      case Event.ProtocolViolation e -> Optional.empty();
      case Event.MessageRejected e -> Optional.empty();
      case Event.SuppressedRecipientRefused e -> Optional.empty(); // its RecipientRejected is the audit line
      case Event.MessageAccepted e -> Optional.empty();
      // Delivery is not a security matter: the send log and the message history keep it.
      case Event.DeliveryAttempted e -> Optional.empty();
      case Event.DeliveryDeferred e -> Optional.empty();
      case Event.DeliveryBounced e -> Optional.empty();
      case Event.DeliveryExpired e -> Optional.empty();
      case Event.DsnQueued e -> Optional.empty();
      // A hard bounce's consequence: the send log tells it; hikyaku suppression add/remove are AdminChanges.
      case Event.RecipientSuppressed e -> Optional.empty();
      // Returned mail is delivery's business too: the send log and the message history keep it.
      case Event.DsnReceived e -> Optional.empty();
      case Event.ComplaintReceived e -> Optional.empty();
      case Event.ReturnedMailUnparsed e -> Optional.empty();
      case Event.MessageRemoved e -> Optional.empty();
      case Event.QueueAdministered e -> Optional.empty(); // its AdminChange is in the audit log
      // Spam held or refused: from an account, a sign that it may be stolen; the operator should see it.
      case Event.ContentScanned e -> e.outcome().equals("queued")
          ? Optional.empty()
          : Optional.of(
              new Fields(e.at(), "content")
                  .put("queue_id", e.queueId())
                  .put("source", e.source())
                  .put("sender", e.sender())
                  .put("account", e.account().orElse(""))
                  .put("action", e.action())
                  .put("score", String.format(Locale.ROOT, "%.2f/%.2f", e.score(), e.requiredScore()))
                  .put("outcome", e.outcome())
                  .end());
    };
  }

  /**
   * {@code success}, or {@code failure} with the reply code and enhanced status code the client got
   * ({@code failure 535 5.7.8}): the kind is not written, so the text stays what fail2ban's filter
   * matches ({@code "result":"failure 5}, permanent refusals only) and docs/audit-log.md shows.
   */
  static String result(Event.AuthAttempt.Result result) {
    return result.kind() == Event.AuthAttempt.Kind.SUCCESS
        ? "success"
        : "failure " + result.code() + " " + result.status();
  }

  static String timestamp(Instant at) {
    return TIMESTAMP.format(at);
  }

  /** The fields of one line, written in the order they are put. */
  private static final class Fields {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(320);
    private final JsonGenerator json;

    Fields(Instant at, String event) {
      if (at == null) {
        throw new IllegalArgumentException("audit record " + event + " has no time");
      }
      json = JSON.createGenerator(ObjectWriteContext.empty(), out, JsonEncoding.UTF8);
      json.writeStartObject();
      json.writeStringProperty("ts", timestamp(at));
      json.writeStringProperty("event", event);
    }

    Fields put(String name, String value) {
      if (value != null && !value.isEmpty()) {
        json.writeStringProperty(name, wellFormed(value));
      }
      return this;
    }

    Fields put(String name, Instant value) {
      if (value != null) {
        json.writeStringProperty(name, timestamp(value));
      }
      return this;
    }

    byte[] end() {
      json.writeEndObject();
      json.close();
      out.write('\n');
      return out.toByteArray();
    }
  }

  /**
   * {@code value} with every unpaired surrogate replaced by U+FFFD: UTF-8 cannot encode one, and a
   * record must not be lost because a client sent a broken string.
   */
  static String wellFormed(String value) {
    StringBuilder fixed = null;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean isPaired =
          Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1));
      if (isPaired) {
        if (fixed != null) {
          fixed.append(c).append(value.charAt(i + 1));
        }
        i++;
      } else if (Character.isSurrogate(c)) {
        if (fixed == null) {
          fixed = new StringBuilder(value.length()).append(value, 0, i);
        }
        fixed.append('\uFFFD');
      } else if (fixed != null) {
        fixed.append(c);
      }
    }
    return fixed == null ? value : fixed.toString();
  }

  /**
   * JSON's own escapes (quote, backslash, C0 controls), plus {@code \\uXXXX} for characters that are
   * legal raw in JSON but that a reader or a terminal may act on: DEL and the C1 controls (0x9B is
   * CSI, a terminal escape), NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR (line breaks to some line
   * splitters, e.g. Python's {@code str.splitlines}), and the bidirectional controls, which can make
   * {@code audit tail} show text in another order than it was written. A JSON parser reads them back
   * unchanged.
   */
  static final class LineSafeEscapes extends CharacterEscapes {
    private static final long serialVersionUID = 1L;

    private final int[] ascii;

    LineSafeEscapes() {
      ascii = CharacterEscapes.standardAsciiEscapesForJSON();
      ascii[0x7F] = CharacterEscapes.ESCAPE_STANDARD;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      return isUnsafe(ch) ? new SerializedString(String.format("\\u%04X", ch)) : null;
    }

    static boolean isUnsafe(int ch) {
      return (ch >= 0x80 && ch <= 0x9F) // C1 controls, NEL (0x85) among them
          || ch == 0x2028
          || ch == 0x2029
          || ch == 0x061C // ARABIC LETTER MARK
          || ch == 0x200E
          || ch == 0x200F
          || (ch >= 0x202A && ch <= 0x202E)
          || (ch >= 0x2066 && ch <= 0x2069);
    }
  }
}
