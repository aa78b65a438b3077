package dev.hikyaku.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RFC 5322 §2.2: fields found by name whatever the case, unfolded (§2.2.3), in the header section only. */
class HeaderSectionTest {

  private static final List<String> NAMES = List.of("Message-ID", "Subject", "From");

  private static byte[] octets(String message) {
    return message.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void firstValuesAgreesWithValuesOnEveryShape() {
    List<String> messages = List.of(
        "From: a@example.org\r\nSubject: hi\r\nMessage-ID: <1@x>\r\n\r\nbody\r\n",
        "subject: folded\r\n  twice\r\n\tand thrice\r\nFROM:   <b@example.org>  \r\n\r\nFrom: in@body\r\n",
        "X-Long: a\r\n b\r\nSubject: first\r\nSubject: second\r\n\r\n",
        "Subject: 日本語の件名\r\nFrom: \"Jörg\" <j@example.org>\r\n\r\n",
        "Subject:\r\n\r\n",
        "Subjects: not this\r\nSubject : nor this (no WSP before the colon here)\r\n\r\n",
        "\r\nSubject: in the body\r\n",
        " orphan continuation\r\nSubject: s\r\n\r\n",
        "From: no empty line and no final CRLF",
        "");
    for (String message : messages) {
      Map<String, String> first = HeaderSection.firstValues(octets(message), NAMES);
      for (String name : NAMES) {
        List<String> all = HeaderSection.values(octets(message), name);
        assertThat(first.get(name)).as("%s in %s", name, message).isEqualTo(all.isEmpty() ? null : all.getFirst());
      }
    }
  }

  @Test
  void firstValuesStopsReadingOnceEveryNameIsFound() {
    // Octets after the fields are never looked at, even if they are not a header at all.
    byte[] message = octets("Message-ID: <m@x>\r\nSubject: s\r\nFrom: f@x\r\nX: " + "y".repeat(10_000) + "\r\n\r\n");
    assertThat(HeaderSection.firstValues(message, NAMES))
        .containsExactlyInAnyOrderEntriesOf(Map.of("Message-ID", "<m@x>", "Subject", "s", "From", "f@x"));
  }
}
