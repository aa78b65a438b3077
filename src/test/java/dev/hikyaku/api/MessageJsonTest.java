package dev.hikyaku.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The message object shows header text as text: RFC 2047 encoded words decoded, folding undone. */
class MessageJsonTest {

  @Test
  void encodedWordsAndFoldingAreUndone() {
    MessageReader.MessageView view = new MessageReader.MessageView(
        "06H4V73D4NQ8EMZQ", Instant.parse("2026-12-06T23:07:06.917Z"), "app@example.com", "api",
        Optional.of("app@example.com"), Optional.of("<a@b>"),
        Optional.of("=?UTF-8?Q?Invoice_1042_=E2=9C=93?=\r\n =?UTF-8?B?5pel5pys?="),
        Optional.of("=?UTF-8?B?QXBwIOaXpeacrA==?= <app@example.com>"),
        List.of(), List.of(), Map.of());
    JsonNode headers = JsonMapper.builder().build().readTree(MessageJson.of(view)).get("headers");
    // RFC 2047 §6.2: white space between two adjacent encoded words is not shown.
    assertThat(headers.get("subject").asString()).isEqualTo("Invoice 1042 ✓日本");
    assertThat(headers.get("from").asString()).isEqualTo("App 日本 <app@example.com>");
    assertThat(headers.get("message_id").asString()).isEqualTo("<a@b>");
    assertThat(MessageJson.decoded("plain\r\n\tfolded")).isEqualTo("plain\tfolded");
  }
}
