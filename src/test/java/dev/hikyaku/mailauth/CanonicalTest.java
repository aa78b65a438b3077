package dev.hikyaku.mailauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** DKIM relaxed canonicalization against RFC 6376 §3.4.5, and the corner cases §3.4.4 names. */
class CanonicalTest {

  /** The vector file's values with the RFC's notation turned into octets. */
  private static Map<String, String> vector(String file) throws IOException {
    Map<String, String> values = new HashMap<>();
    try (InputStream in = CanonicalTest.class.getResourceAsStream("/vectors/" + file)) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        int colon = line.indexOf(": ");
        values.put(line.substring(0, colon),
            line.substring(colon + 2).replace("<SP>", " ").replace("<HTAB>", "\t").replace("<CRLF>", "\r\n"));
      }
    }
    return values;
  }

  @Test
  void rfc6376Section345Example() throws IOException {
    Map<String, String> v = vector("rfc6376-3.4.5-canonicalization.txt");
    byte[] message = v.get("message").getBytes(StandardCharsets.US_ASCII);
    List<HeaderField> fields = HeaderField.parse(message);
    assertThat(fields).extracting(HeaderField::name).containsExactly("A", "B");
    StringBuilder headers = new StringBuilder();
    fields.forEach(f -> headers.append(Canonical.relaxedHeader(f)));
    assertThat(headers.toString()).isEqualTo(v.get("relaxed-headers"));
    assertThat(new String(Canonical.relaxedBody(message, HeaderField.bodyStart(message)), StandardCharsets.US_ASCII))
        .isEqualTo(v.get("relaxed-body"));
  }

  @Test
  void aColonInsideTheValueKeepsTheSpaceAfterIt() {
    // RFC 6376 §3.4.2: only WSP around the field's own colon goes; "Re: x" keeps its space.
    byte[] message = "Subject: Re:  hello\r\nX: a:\r\n\tb\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    List<HeaderField> fields = HeaderField.parse(message);
    assertThat(Canonical.relaxedHeader(fields.get(0))).isEqualTo("subject:Re: hello\r\n");
    assertThat(Canonical.relaxedHeader(fields.get(1))).isEqualTo("x:a: b\r\n");
  }

  @Test
  void anEmptyBodyStaysEmptyAndALastLineGetsItsCrlf() {
    // RFC 6376 §3.4.4: relaxed, an empty body (or one of empty lines only) canonicalizes to nothing.
    byte[] empty = "Subject: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    assertThat(Canonical.relaxedBody(empty, HeaderField.bodyStart(empty))).isEmpty();
    byte[] blank = "Subject: x\r\n\r\n\r\n \t\r\n".getBytes(StandardCharsets.US_ASCII);
    assertThat(Canonical.relaxedBody(blank, HeaderField.bodyStart(blank))).isEmpty();
    byte[] unterminated = "Subject: x\r\n\r\nlast line".getBytes(StandardCharsets.US_ASCII);
    assertThat(new String(Canonical.relaxedBody(unterminated, HeaderField.bodyStart(unterminated)), StandardCharsets.US_ASCII))
        .isEqualTo("last line\r\n");
  }

  @Test
  void eightBitOctetsSurviveUnchanged() {
    byte[] message = "Subject: \u65e5\u672c\r\n\r\n\u3053\u3093\u306b\u3061\u306f  world \r\n".getBytes(StandardCharsets.UTF_8);
    HeaderField subject = HeaderField.parse(message).getFirst();
    assertThat(Canonical.relaxedHeader(subject).getBytes(StandardCharsets.ISO_8859_1))
        .isEqualTo("subject:\u65e5\u672c\r\n".getBytes(StandardCharsets.UTF_8));
    assertThat(Canonical.relaxedBody(message, HeaderField.bodyStart(message)))
        .isEqualTo("\u3053\u3093\u306b\u3061\u306f world\r\n".getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The canonical body goes out a block of 8 KiB at a time (issue 15 point 2): runs of WSP, empty
   * lines held back and line ends that straddle a block's end come out as RFC 6376 §3.4.4 says,
   * here checked against the rule written with strings, for the bytes and for their digest.
   */
  @Test
  void relaxedBodyIsTheSameAcrossBlockBoundaries() throws Exception {
    StringBuilder body = new StringBuilder();
    java.util.SplittableRandom random = new java.util.SplittableRandom(15);
    String[] pieces = {"word", " ", "\t", "  \t ", "\r\n", "\r\n\r\n\r\n", "x"};
    while (body.length() < 100_000) {
      body.append(pieces[random.nextInt(pieces.length)]);
    }
    body.append("\r\n\r\n \r\n");
    StringBuilder expected = new StringBuilder();
    for (String line : body.toString().split("\r\n", -1)) {
      expected.append(line.replaceAll("[ \t]+", " ").replaceAll(" $", "")).append("\r\n");
    }
    String canonical = expected.toString().replaceAll("(\r\n)+$", "\r\n");
    byte[] message = ("Subject: x\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);
    int from = HeaderField.bodyStart(message);
    assertThat(new String(Canonical.relaxedBody(message, from), StandardCharsets.US_ASCII)).isEqualTo(canonical);
    assertThat(Canonical.relaxedBodyDigest(message, from, java.security.MessageDigest.getInstance("SHA-256")))
        .isEqualTo(java.security.MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.US_ASCII)));
  }
}
