package dev.hikyaku.auth.credential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.auth.TestVector;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class CramMd5SecretTest {

  private static final TestVector RFC2195 = TestVector.load("rfc2195-cram-md5.txt");
  private static final TestVector DOVECOT = TestVector.load("dovecot-cram-md5-scheme.txt");

  /** HMAC-MD5 from the JDK, which knows nothing of saved states: the independent oracle. */
  private static String hmacMd5Hex(byte[] key, String challenge) throws Exception {
    Mac mac = Mac.getInstance("HmacMD5");
    mac.init(new SecretKeySpec(key, "HmacMD5"));
    return HexFormat.of().formatHex(mac.doFinal(challenge.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void rfc2195ExampleVerifies() {
    CramMd5Secret secret = CramMd5Secret.derive(RFC2195.get("password").toCharArray());

    assertThat(secret.verify(RFC2195.get("challenge"), RFC2195.get("digest"))).isTrue();
    assertThat(secret.verify(RFC2195.get("challenge"), RFC2195.get("digest").toUpperCase()))
        .isTrue();
  }

  @Test
  void wrongOrMalformedDigestIsRefused() {
    CramMd5Secret secret = CramMd5Secret.derive(RFC2195.get("password").toCharArray());
    String digest = RFC2195.get("digest");
    String challenge = RFC2195.get("challenge");

    assertThat(secret.verify(challenge, "b913a602c7eda7a495b4e6e7334d3891")).isFalse();
    assertThat(secret.verify("<1897.697170952@postoffice.reston.mci.net>", digest)).isFalse();
    assertThat(CramMd5Secret.derive("tanstaaftanstaaF".toCharArray()).verify(challenge, digest))
        .isFalse();
    for (String malformed :
        List.of(
            "",
            digest.substring(1),
            digest + "0",
            "g" + digest.substring(1),
            " " + digest.substring(1))) {
      assertThat(secret.verify(challenge, malformed)).as(malformed).isFalse();
    }
    assertThat(secret.verify(challenge, null)).isFalse();
  }

  @Test
  void matchesTheJdkHmacMd5ForShortLongAndNonAsciiPasswords() throws Exception {
    SecureRandom random = new SecureRandom();
    List<String> passwords =
        List.of(
            "x",
            "tanstaaftanstaaf",
            "a".repeat(64), // exactly one block: used as is
            "b".repeat(65), // longer than a block: RFC 2104 §2 hashes it first
            "pässwörd ünïcode \u263A");
    for (String password : passwords) {
      CramMd5Secret secret = CramMd5Secret.derive(password.toCharArray());
      for (int i = 0; i < 5; i++) {
        String challenge = "<" + random.nextLong() + "." + i + "@mx.example>";
        String expected = hmacMd5Hex(password.getBytes(StandardCharsets.UTF_8), challenge);
        assertThat(secret.verify(challenge, expected)).as(password).isTrue();
      }
    }
  }

  @Test
  void encodesInDovecotsSchemeAndMatchesDoveadm() {
    CramMd5Secret secret = CramMd5Secret.derive(DOVECOT.get("password").toCharArray());

    assertThat(secret.encode()).isEqualTo(DOVECOT.get("encoded"));
    assertThat(CramMd5Secret.decode(DOVECOT.get("encoded"))).contains(secret);
  }

  @Test
  void decodedSecretStillAnswersChallenges() {
    String encoded = CramMd5Secret.derive(RFC2195.get("password").toCharArray()).encode();

    assertThat(encoded).matches("\\{CRAM-MD5\\}[0-9a-f]{64}");
    assertThat(
            CramMd5Secret.decode(encoded)
                .orElseThrow()
                .verify(RFC2195.get("challenge"), RFC2195.get("digest")))
        .isTrue();
    // Hex digits in either case, as Dovecot accepts.
    assertThat(CramMd5Secret.decode(encoded.toUpperCase()))
        .contains(CramMd5Secret.decode(encoded).orElseThrow());
  }

  @Test
  void decodeRefusesAnythingElse() {
    String good = DOVECOT.get("encoded");
    for (String bad :
        List.of(
            "",
            good.substring("{CRAM-MD5}".length()),
            "{HMAC-MD5}" + good.substring("{CRAM-MD5}".length()),
            "{cram-md5}" + good.substring("{CRAM-MD5}".length()),
            good.substring(0, good.length() - 1),
            good + "0",
            good.substring(0, good.length() - 1) + "g")) {
      assertThat(CramMd5Secret.decode(bad)).as(bad).isEmpty();
    }
    assertThat(CramMd5Secret.decode(null)).isEmpty();
  }

  @Test
  void emptyPasswordCannotBeSet() {
    assertThatThrownBy(() -> CramMd5Secret.derive(new char[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
  }

  @Test
  void statesAreSixteenBytesAndCopied() {
    assertThatThrownBy(() -> new CramMd5Secret(new byte[15], new byte[16]))
        .isInstanceOf(IllegalArgumentException.class);
    CramMd5Secret secret = CramMd5Secret.derive("pw".toCharArray());
    secret.innerState()[0] ^= 1;
    assertThat(secret).isEqualTo(CramMd5Secret.derive("pw".toCharArray()));
  }

  @Test
  void toStringShowsNoState() {
    CramMd5Secret secret = CramMd5Secret.derive(RFC2195.get("password").toCharArray());
    String shown = secret.toString();
    HexFormat hex = HexFormat.of();

    assertThat(shown)
        .doesNotContain(hex.formatHex(secret.innerState()).substring(0, 8))
        .doesNotContain(hex.formatHex(secret.outerState()).substring(0, 8))
        .contains("redacted");
  }
}
