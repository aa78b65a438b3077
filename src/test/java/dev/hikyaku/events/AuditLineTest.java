package dev.hikyaku.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.events.Event.AuthAttempt.Kind;
import dev.hikyaku.events.Event.AuthAttempt.Result;
import dev.hikyaku.protocol.Replies;
import dev.hikyaku.protocol.Reply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The audit-log format, record by record, exactly as docs/audit-log.md shows it: a change here is a
 * change of a documented format that fail2ban filters and operators' scripts read.
 */
class AuditLineTest {

  private static final Instant AT = Instant.parse("2025-06-01T10:15:30.123456Z");
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static String line(Event event) {
    Optional<byte[]> bytes = AuditLine.encode(event);
    assertThat(bytes).as("%s is an audit record", event.getClass().getSimpleName()).isPresent();
    return new String(bytes.get(), StandardCharsets.UTF_8);
  }

  @Test
  void authAttempt() {
    assertThat(line(new Event.AuthAttempt(
            AT, "m3x-1f", "submission", "192.0.2.7", "TLSv1.3", "TLS_AES_256_GCM_SHA384", "PLAIN",
            "alice@example.com", Result.of(Kind.INVALID_CREDENTIALS, Replies.authFailed()), "wrong password")))
        .isEqualTo("{\"ts\":\"2025-06-01T10:15:30.123Z\",\"event\":\"auth\",\"session_id\":\"m3x-1f\","
            + "\"listener\":\"submission\",\"client\":\"192.0.2.7\",\"tls_protocol\":\"TLSv1.3\","
            + "\"tls_cipher\":\"TLS_AES_256_GCM_SHA384\",\"mechanism\":\"PLAIN\",\"account\":\"alice@example.com\","
            + "\"result\":\"failure 535 5.7.8\",\"reason\":\"wrong password\"}\n");
  }

  @Test
  void absentValuesAreLeftOut() {
    // No TLS yet, no account named (a cancelled exchange): the session publishes "" for both.
    assertThat(line(new Event.AuthAttempt(
            AT, "m3x-2", "submission", "2001:db8:0:0:0:0:0:1", "", null, "LOGIN", "",
            Result.of(Kind.CANCELLED, Replies.authCancelled()), "cancelled by the client")))
        .isEqualTo("{\"ts\":\"2025-06-01T10:15:30.123Z\",\"event\":\"auth\",\"session_id\":\"m3x-2\","
            + "\"listener\":\"submission\",\"client\":\"2001:db8:0:0:0:0:0:1\",\"mechanism\":\"LOGIN\","
            + "\"result\":\"failure 501 5.7.0\",\"reason\":\"cancelled by the client\"}\n");
  }

  /**
   * Every way an AUTH attempt ends, with each reply the session gives for it, and the audit text
   * written before results were typed: fail2ban's filter and operators' scripts match these strings.
   */
  static Stream<Arguments> authResults() {
    return Stream.of(
        Arguments.of(Kind.SUCCESS, Replies.authSucceeded(), "success"),
        Arguments.of(Kind.INVALID_CREDENTIALS, Replies.authFailed(), "failure 535 5.7.8"),
        Arguments.of(Kind.TOO_WEAK, Replies.mechanismTooWeak(), "failure 534 5.7.9"),
        Arguments.of(Kind.TEMPORARY, Replies.authTemporaryFailure(), "failure 454 4.7.0"),
        Arguments.of(Kind.MALFORMED, Replies.badBase64(), "failure 501 5.5.2"),
        Arguments.of(Kind.MALFORMED, Replies.malformedAuthResponse(), "failure 501 5.5.2"),
        Arguments.of(Kind.MALFORMED, Replies.authLineTooLong(), "failure 500 5.5.6"),
        Arguments.of(Kind.CANCELLED, Replies.authCancelled(), "failure 501 5.7.0"),
        Arguments.of(Kind.BLOCKED, Replies.sourceBlocked("mx.example", "2025-06-01T11:15:30Z"), "failure 421 4.7.0"),
        Arguments.of(Kind.RATE_LIMITED, Replies.tooManyAuthAttempts("mx.example"), "failure 421 4.7.0"));
  }

  @ParameterizedTest
  @MethodSource("authResults")
  void authResultIsWrittenAsBeforeItWasTyped(Kind kind, Reply reply, String text) {
    assertThat(line(new Event.AuthAttempt(
            AT, "m3x-1f", "submission", "192.0.2.7", "TLSv1.3", "TLS_AES_256_GCM_SHA384", "PLAIN",
            "alice@example.com", Result.of(kind, reply), "why")))
        .isEqualTo("{\"ts\":\"2025-06-01T10:15:30.123Z\",\"event\":\"auth\",\"session_id\":\"m3x-1f\","
            + "\"listener\":\"submission\",\"client\":\"192.0.2.7\",\"tls_protocol\":\"TLSv1.3\","
            + "\"tls_cipher\":\"TLS_AES_256_GCM_SHA384\",\"mechanism\":\"PLAIN\",\"account\":\"alice@example.com\","
            + "\"result\":\"" + text + "\",\"reason\":\"why\"}\n");
  }

  @Test
  void everyAuthResultKindHasItsAuditText() {
    // A new way for AUTH to end fails here until its reply and audit text are in the table above.
    assertThat(authResults().map(row -> (Kind) row.get()[0]).distinct()).containsExactlyInAnyOrder(Kind.values());
  }

  @Test
  void clientBlocked() {
    assertThat(line(new Event.ClientBlocked(
            AT, "account-from-source", "alice@example.com from 192.0.2.0/24", Instant.parse("2025-06-01T11:15:30Z"),
            "10 failures in 10 minutes")))
        .isEqualTo("{\"ts\":\"2025-06-01T10:15:30.123Z\",\"event\":\"client_blocked\",\"scope\":\"account-from-source\","
            + "\"subject\":\"alice@example.com from 192.0.2.0/24\",\"until\":\"2025-06-01T11:15:30.000Z\","
            + "\"reason\":\"10 failures in 10 minutes\"}\n");
  }

  @Test
  void clientUnblocked() {
    assertThat(line(new Event.ClientUnblocked(AT, "net24", "192.0.2.0/24", "expiry")))
        .isEqualTo("{\"ts\":\"2025-06-01T10:15:30.123Z\",\"event\":\"client_unblocked\",\"scope\":\"net24\","
            + "\"subject\":\"192.0.2.0/24\",\"by\":\"expiry\"}\n");
  }

  @Test
  void accountSuspended() {
    assertThat(line(new Event.AccountSuspended(AT, "alice@example.com", "sent 500 messages in 1 hour")))
        .isEqualTo("{\"ts\":\"2025-06-01T10:15:30.123Z\",\"event\":\"account_suspended\","
            + "\"account\":\"alice@example.com\",\"reason\":\"sent 500 messages in 1 hour\"}\n");
  }

  @Test
  void accountUnsuspended() {
    assertThat(line(new Event.AccountUnsuspended(AT, "alice@example.com", "admin")))
        .isEqualTo("{\"ts\":\"2025-06-01T10:15:30.123Z\",\"event\":\"account_unsuspended\","
            + "\"account\":\"alice@example.com\",\"by\":\"admin\"}\n");
  }

  @Test
  void attackSuspected() {
    assertThat(line(new Event.AttackSuspected(AT, "password-spraying", "40 accounts from 12 addresses in 10 minutes")))
        .isEqualTo("{\"ts\":\"2025-06-01T10:15:30.123Z\",\"event\":\"attack_suspected\","
            + "\"kind\":\"password-spraying\",\"detail\":\"40 accounts from 12 addresses in 10 minutes\"}\n");
  }

  @Test
  void relayDenied() {
    assertThat(line(new Event.RecipientRejected(
            AT, "m3x-3", "198.51.100.23", "someone@elsewhere.example",
            "554 5.7.1 <someone@elsewhere.example>: Relay access denied", "relay",
            "relay to elsewhere.example not permitted")))
        .isEqualTo("{\"ts\":\"2025-06-01T10:15:30.123Z\",\"event\":\"relay_denied\",\"session_id\":\"m3x-3\","
            + "\"client\":\"198.51.100.23\",\"recipient\":\"someone@elsewhere.example\","
            + "\"reply\":\"554 5.7.1 <someone@elsewhere.example>: Relay access denied\",\"rule\":\"relay\","
            + "\"reason\":\"relay to elsewhere.example not permitted\"}\n");
  }

  @Test
  void recipientRefusedByAnotherRuleIsNotARelayDenial() {
    assertThat(line(new Event.RecipientRejected(
            AT, "m3x-5", "198.51.100.23", "someone@elsewhere.example",
            "452 4.5.3 Recipient rate limit reached for 198.51.100.23: 1000 per minute; try again later", "rates",
            "recipient rate of 198.51.100.23")))
        .startsWith("{\"ts\":\"2025-06-01T10:15:30.123Z\",\"event\":\"recipient_rejected\",")
        .contains("\"rule\":\"rates\"");
  }

  @Test
  void senderRejected() {
    assertThat(line(new Event.SenderRejected(
            AT, "m3x-4", "192.0.2.7", "ceo@example.com", "553 5.7.1 <ceo@example.com>: Sender address rejected",
            "sender-ownership", "alice@example.com does not own ceo@example.com")))
        .isEqualTo("{\"ts\":\"2025-06-01T10:15:30.123Z\",\"event\":\"sender_rejected\",\"session_id\":\"m3x-4\","
            + "\"client\":\"192.0.2.7\",\"sender\":\"ceo@example.com\","
            + "\"reply\":\"553 5.7.1 <ceo@example.com>: Sender address rejected\",\"rule\":\"sender-ownership\","
            + "\"reason\":\"alice@example.com does not own ceo@example.com\"}\n");
  }

  @Test
  void adminChange() {
    assertThat(line(new Event.AdminChange(AT, "user add", "bob@example.com", "from-header reject")))
        .isEqualTo("{\"ts\":\"2025-06-01T10:15:30.123Z\",\"event\":\"admin_change\",\"command\":\"user add\","
            + "\"subject\":\"bob@example.com\",\"detail\":\"from-header reject\"}\n");
  }

  @Test
  void connectionNoiseIsNotAudited() {
    List<Event> noise =
        List.of(
            new Event.ConnectionOpened(AT, "s", "relay", "192.0.2.1"),
            new Event.ConnectionRefused(AT, "relay", "192.0.2.1", "limit"),
            new Event.ConnectionClosed(AT, "s", "quit", 10),
            new Event.TlsEstablished(AT, "s", "TLSv1.3", "TLS_AES_128_GCM_SHA256"),
            new Event.TlsFailed(AT, "s", "no cipher suites in common"),
            new Event.ProtocolViolation(AT, "s", "192.0.2.1", Event.ProtocolViolation.Violation.EARLY_TALKER, "spoke first"),
            new Event.MessageRejected(AT, "s", "192.0.2.1", "554 5.6.0 x", "bad header"),
            new Event.MessageAccepted(AT, "s", "q", "smtp", "a@b", List.of("c@d"), 100));
    for (Event event : noise) {
      assertThat(AuditLine.encode(event)).as(event.getClass().getSimpleName()).isEmpty();
    }
  }

  @Test
  void hostileAccountNameStaysInsideItsField() {
    // What a client can put in a PLAIN authcid: a forged record after a line break, quotes that try
    // to close the field, a backslash, NUL and escape sequences for the terminal.
    String hostile =
        "x\",\"client\":\"203.0.113.9\",\"result\":\"failure 535\"}\n"
            + "{\"ts\":\"2025-06-01T00:00:00.000Z\",\"event\":\"auth\",\"client\":\"203.0.113.9\",\"result\":\"failure\"}\r"
            + "\\\u0000\u001b[2J\u007f\u009b31m\u0085\u2028\u2029\u202e\u2066end";
    String line = line(new Event.AuthAttempt(
        AT, "s", "submission", "192.0.2.7", "", "", "PLAIN", hostile, Result.of(Kind.SUCCESS, Replies.authSucceeded()),
        "with password"));

    assertThat(line.indexOf('\n')).as("only the final LF ends the line").isEqualTo(line.length() - 1);
    assertThat(line).doesNotContain("\r", "\u0000", "\u001b", "\u007f", "\u009b", "\u0085", "\u2028", "\u2029", "\u202e", "\u2066");
    JsonNode parsed = JSON.readTree(line);
    assertThat(parsed.get("account").asString()).isEqualTo(hostile);
    assertThat(parsed.get("client").asString()).isEqualTo("192.0.2.7");
    assertThat(parsed.get("result").asString()).isEqualTo("success");
    assertThat(names(parsed))
        .containsExactly("ts", "event", "session_id", "listener", "client", "mechanism", "account", "result", "reason");
    // What a fail2ban filter anchors on appears once, where the server wrote it.
    assertThat(line.split("\"client\":\"", -1)).hasSize(2);
    assertThat(line.split("\"result\":\"", -1)).hasSize(2);
  }

  @Test
  void unpairedSurrogatesBecomeReplacementCharacters() {
    String broken = "a\uD800b\uDC00c\uD83D\uDE00d\uD83D";
    String line = line(new Event.AccountSuspended(AT, broken, "r"));

    assertThat(JSON.readTree(line).get("account").asString()).isEqualTo("a\uFFFDb\uFFFDc\uD83D\uDE00d\uFFFD");
  }

  @Test
  void unicodeOtherThanControlsIsWrittenAsUtf8() {
    String line = line(new Event.AccountSuspended(AT, "山田@例え.jp", "r"));

    assertThat(line).contains("\"account\":\"山田@例え.jp\"");
  }

  @Test
  void theDocumentedExamplesAreWhatTheEncoderWrites() throws Exception {
    String doc = Files.readString(Path.of("docs/audit-log.md"), StandardCharsets.UTF_8);
    Matcher block = Pattern.compile("```json\n(.*?)```", Pattern.DOTALL).matcher(doc);
    Set<String> seen = new TreeSet<>();
    while (block.find()) {
      for (String example : block.group(1).split("\n")) {
        JsonNode node = JSON.readTree(example);
        Event event = fromDocumented(node);
        assertThat(line(event)).as("docs/audit-log.md example").isEqualTo(example + "\n");
        seen.add(node.get("event").asString());
      }
    }
    assertThat(seen)
        .containsExactlyInAnyOrder(
            "auth", "client_blocked", "client_unblocked", "account_suspended", "account_unsuspended", "recipient_rejected",
            "attack_suspected", "relay_denied", "sender_rejected", "api_auth", "admin_change", "webhook_disabled");
  }

  /** The event a documented line records, rebuilt from its fields. */
  private static Event fromDocumented(JsonNode n) {
    Instant at = Instant.parse(n.get("ts").asString());
    return switch (n.get("event").asString()) {
      case "auth" -> new Event.AuthAttempt(at, f(n, "session_id"), f(n, "listener"), f(n, "client"),
          f(n, "tls_protocol"), f(n, "tls_cipher"), f(n, "mechanism"), f(n, "account"), documentedResult(f(n, "result")),
          f(n, "reason"));
      case "client_blocked" -> new Event.ClientBlocked(at, f(n, "scope"), f(n, "subject"),
          Instant.parse(f(n, "until")), f(n, "reason"));
      case "client_unblocked" -> new Event.ClientUnblocked(at, f(n, "scope"), f(n, "subject"), f(n, "by"));
      case "account_suspended" -> new Event.AccountSuspended(at, f(n, "account"), f(n, "reason"));
      case "account_unsuspended" -> new Event.AccountUnsuspended(at, f(n, "account"), f(n, "by"));
      case "attack_suspected" -> new Event.AttackSuspected(at, f(n, "kind"), f(n, "detail"));
      case "relay_denied", "recipient_rejected" -> new Event.RecipientRejected(at, f(n, "session_id"), f(n, "client"),
          f(n, "recipient"), f(n, "reply"), f(n, "rule"), f(n, "reason"));
      case "sender_rejected" -> new Event.SenderRejected(at, f(n, "session_id"), f(n, "client"), f(n, "sender"),
          f(n, "reply"), f(n, "rule"), f(n, "reason"));
      case "api_auth" -> new Event.ApiKeyChecked(at, f(n, "client"), f(n, "key"), f(n, "account"), f(n, "result"),
          f(n, "reason"));
      case "admin_change" -> new Event.AdminChange(at, f(n, "command"), f(n, "subject"), f(n, "detail"));
      case "webhook_disabled" -> new Event.WebhookDisabled(at, f(n, "webhook"), f(n, "account"), f(n, "url"), f(n, "reason"));
      default -> throw new AssertionError("undocumented event in docs/audit-log.md: " + n);
    };
  }

  /** The result a documented line shows, looked up among the session's replies (nothing parsed). */
  private static Result documentedResult(String text) {
    return authResults()
        .filter(row -> row.get()[2].equals(text))
        .map(row -> Result.of((Kind) row.get()[0], (Reply) row.get()[1]))
        .findFirst()
        .orElseThrow(() -> new AssertionError("docs/audit-log.md shows an auth result no reply gives: " + text));
  }

  private static String f(JsonNode node, String name) {
    JsonNode value = node.get(name);
    return value == null ? null : value.asString();
  }

  private static List<String> names(JsonNode node) {
    List<String> names = new java.util.ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
      names.add(it.next().getKey());
    }
    return names;
  }
}
