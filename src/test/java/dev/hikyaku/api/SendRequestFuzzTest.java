package dev.hikyaku.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hikyaku.protocol.DataReader;
import java.nio.charset.StandardCharsets;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Fuzzes the send API's request reading ({@link SendRequest#read}) and what it composes
 * ({@link MimeComposer#compose}). Invariants: any JSON gives a Valid or an Invalid reading with
 * field errors, never an exception; a valid request composes without exception into a message our
 * own SMTP intake would accept: CRLF line endings only, no NUL, lines of at most 998 octets
 * (RFC 5322 §2.1.1), no header field over the limit ({@link DataReader} finds no problem).
 */
class SendRequestFuzzTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @FuzzTest(maxDuration = "10s")
  void read(byte[] input) {
    if (input.length > 32 * 1024) {
      return;
    }
    JsonNode json;
    try {
      json = JSON.readTree(new String(input, StandardCharsets.UTF_8));
    } catch (JacksonException notJson) {
      return; // answered 400 before SendRequest is reached
    }
    switch (SendRequest.read(json, "", 50)) {
      case SendRequest.Reading.Invalid invalid -> assertThat(invalid.errors()).isNotEmpty();
      case SendRequest.Reading.Valid valid -> {
        byte[] message = MimeComposer.compose(valid.request());
        DataReader reader = DataReader.forChunks(Long.MAX_VALUE);
        reader.feed(message, 0, message.length);
        reader.finishChunks();
        assertThat(reader.problem()).as("composed:%n%s", new String(message, StandardCharsets.UTF_8))
            .isEqualTo(DataReader.Problem.NONE);
      }
    }
  }
}
