package dev.hikyaku.bench.load;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The body of every {@code POST /v1/messages} in HTTP mode, built once: {@code {"from": ..., "to":
 * [...], "subject": ..., "text": ...}} (docs/openapi.yaml, SendRequest), with the text made of
 * 76-letter lines joined by {@code \n} escapes so that the whole JSON body has exactly the requested
 * number of octets, as {@link TestMessage} makes an SMTP message of exactly that size.
 */
final class JsonMessage {

  static final String SUBJECT = "hikyaku load test";

  private JsonMessage() {}

  /**
   * @param size octets of the JSON body
   * @param from the sender, an address of the key's account
   * @param to the recipients
   * @throws IllegalArgumentException if {@code size} leaves no room for a text
   */
  static byte[] json(int size, String from, List<String> to) {
    StringBuilder json = new StringBuilder(size);
    json.append("{\"from\":").append(Json.quote(from)).append(",\"to\":[");
    for (int i = 0; i < to.size(); i++) {
      json.append(i == 0 ? "" : ",").append(Json.quote(to.get(i)));
    }
    json.append("],\"subject\":").append(Json.quote(SUBJECT)).append(",\"text\":\"");
    String end = "\"}";
    // Octets, not chars: an address outside ASCII takes more than one octet a char.
    int room = size - json.toString().getBytes(StandardCharsets.UTF_8).length - end.length();
    if (room < 1) {
      throw new IllegalArgumentException("size " + size + " leaves no room for a text after the sender and recipients");
    }
    // Letters, and after every 76 a "\n" escape (2 octets) when 2 fit; a last octet that would
    // only fit half an escape becomes a 77th letter instead.
    int line = 0;
    while (room > 0) {
      if (line == 76 && room >= 2) {
        json.append("\\n");
        room -= 2;
        line = 0;
      } else {
        json.append((char) ('a' + (room + line) % 26));
        room--;
        line++;
      }
    }
    return json.append(end).toString().getBytes(StandardCharsets.UTF_8);
  }
}
