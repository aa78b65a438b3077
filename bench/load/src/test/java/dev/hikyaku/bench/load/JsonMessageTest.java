package dev.hikyaku.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class JsonMessageTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @ParameterizedTest
  @ValueSource(ints = {256, 300, 4096, 4097, 4098, 4099, 65536, 1024 * 1024})
  void isValidJsonOfTheRequestedSize(int size) {
    byte[] body = JsonMessage.json(size, "load@bench.example", List.of("friend@example.net"));

    // Exact, so well within the few per cent the benchmark promises.
    assertThat(body).hasSize(size);
    JsonNode message = JSON.readTree(body);
    assertThat(message.propertyNames()).containsExactly("from", "to", "subject", "text");
    assertThat(message.get("from").asString()).isEqualTo("load@bench.example");
    assertThat(message.get("to").get(0).asString()).isEqualTo("friend@example.net");
    assertThat(message.get("subject").asString()).isEqualTo(JsonMessage.SUBJECT);
    String text = message.get("text").asString();
    assertThat(text.split("\n", -1)).allSatisfy(line -> assertThat(line).hasSizeBetween(1, 77).matches("[a-z]+"));
  }

  @Test
  void listsEveryRecipientAndCountsOctetsNotChars() {
    byte[] body = JsonMessage.json(4096, "lóad@bench.example", List.of("a1@example.net", "a2@example.net", "a\"3@example.net"));

    assertThat(body).hasSize(4096);
    JsonNode message = JSON.readTree(body);
    assertThat(message.get("from").asString()).isEqualTo("lóad@bench.example");
    assertThat(message.get("to").valueStream().map(JsonNode::asString)).containsExactly("a1@example.net", "a2@example.net", "a\"3@example.net");
  }

  @Test
  void refusesASizeWithNoRoomForText() {
    assertThatThrownBy(() -> JsonMessage.json(60, "load@bench.example", List.of("friend@example.net"))).hasMessageContaining("no room");
  }
}
