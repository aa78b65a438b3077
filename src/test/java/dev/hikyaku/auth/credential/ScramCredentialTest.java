package dev.hikyaku.auth.credential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.auth.FixedBytes;
import dev.hikyaku.auth.TestVector;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class ScramCredentialTest {

  private static final TestVector RFC7677 = TestVector.load("rfc7677-scram-sha-256.txt");

  private static ScramCredential rfcCredential() {
    return ScramCredential.derive(
        RFC7677.get("password").toCharArray(),
        Integer.parseInt(RFC7677.get("iterations")),
        new FixedBytes(Base64.getDecoder().decode(RFC7677.get("salt"))));
  }

  @Test
  void derivedKeysAreTheRfc5802FormulasOverJdkPbkdf2() throws Exception {
    ScramCredential credential = rfcCredential();
    byte[] salt = Base64.getDecoder().decode(RFC7677.get("salt"));

    // RFC 5802 §3, computed independently with the JDK: Hi() is PBKDF2 with HMAC-SHA-256.
    byte[] salted =
        SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
            .generateSecret(new PBEKeySpec("pencil".toCharArray(), salt, 4096, 256))
            .getEncoded();
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(salted, "HmacSHA256"));
    byte[] clientKey = mac.doFinal("Client Key".getBytes(StandardCharsets.US_ASCII));
    byte[] serverKey = mac.doFinal("Server Key".getBytes(StandardCharsets.US_ASCII));

    assertThat(credential.salt()).isEqualTo(salt);
    assertThat(credential.iterations()).isEqualTo(4096);
    assertThat(credential.storedKey())
        .isEqualTo(MessageDigest.getInstance("SHA-256").digest(clientKey));
    assertThat(credential.serverKey()).isEqualTo(serverKey);
  }

  @Test
  void deriveDrawsASixteenByteSaltFromTheGivenRandom() {
    ScramCredential a = ScramCredential.derive("pw".toCharArray(), 4096, new SecureRandom());
    ScramCredential b = ScramCredential.derive("pw".toCharArray(), 4096, new SecureRandom());

    assertThat(a.salt()).hasSize(16);
    assertThat(a.salt()).isNotEqualTo(b.salt());
    assertThat(a.storedKey()).isNotEqualTo(b.storedKey());
  }

  @Test
  void fewerThan4096IterationsAreRefused() {
    assertThatThrownBy(() -> ScramCredential.derive("pw".toCharArray(), 4095, new SecureRandom()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("4095");
    ScramCredential ok = rfcCredential();
    assertThatThrownBy(() -> new ScramCredential(ok.salt(), 1000, ok.storedKey(), ok.serverKey()))
        .hasMessageContaining("1000");
  }

  @Test
  void aPasswordSaslPrepRefusesHasNoCredentialAndTheMessageDoesNotQuoteIt() {
    assertThatThrownBy(
            () -> ScramCredential.derive("bell\u0007ring".toCharArray(), 4096, new SecureRandom()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SASLprep")
        .hasMessageNotContaining("bell")
        .hasNoCause();
    assertThatThrownBy(() -> ScramCredential.derive(new char[0], 4096, new SecureRandom()))
        .hasMessageContaining("empty");
    // Maps to nothing under SASLprep (soft hyphens, RFC 3454 B.1): refused the same way.
    assertThatThrownBy(
            () -> ScramCredential.derive("\u00AD\u00AD".toCharArray(), 4096, new SecureRandom()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SASLprep");
  }

  @Test
  void encodesInRfc5803FormAndDecodesBack() {
    ScramCredential credential = rfcCredential();
    String encoded = credential.encode();

    assertThat(encoded)
        .startsWith("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$")
        .matches("SCRAM-SHA-256\\$4096:[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=");
    assertThat(ScramCredential.decode(encoded)).contains(credential);
  }

  @Test
  void decodeRefusesAnythingElse() {
    String good = rfcCredential().encode();
    List<String> bad =
        List.of(
            "",
            "SCRAM-SHA-1$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"
                + good.substring(good.lastIndexOf('$') + 1),
            good.replace("$4096:", "$4095:"),
            good.replace("$4096:", "$04096:"),
            good.replace("$4096:", "$99999999999:"),
            good.replace("W22ZaJ0SNY7soEsUEjb6gQ==", "W22ZaJ0SNY7soEsUEjb6gQ="),
            good.replace("W22ZaJ0SNY7soEsUEjb6gQ==", ""),
            good.substring(0, good.length() - 2) + "=",
            good + ":extra",
            " " + good,
            good.replace(':', ';'));
    for (String text : bad) {
      assertThat(ScramCredential.decode(text)).as(text).isEmpty();
    }
    assertThat(ScramCredential.decode(null)).isEmpty();
  }

  @Test
  void toStringShowsNoKeyOrSalt() {
    ScramCredential credential = rfcCredential();
    String shown = credential.toString();
    Base64.Encoder b64 = Base64.getEncoder();
    HexFormat hex = HexFormat.of();

    for (byte[] secret :
        List.of(credential.storedKey(), credential.serverKey(), credential.salt())) {
      assertThat(shown)
          .doesNotContain(b64.encodeToString(secret))
          .doesNotContain(hex.formatHex(secret))
          .doesNotContain(hex.formatHex(secret).substring(0, 8));
    }
    assertThat(shown).contains("4096").contains("redacted");
  }

  @Test
  void accessorsHandOutCopies() {
    ScramCredential credential = rfcCredential();
    credential.storedKey()[0] ^= 1;
    credential.salt()[0] ^= 1;

    assertThat(credential).isEqualTo(rfcCredential());
    assertThat(credential.hashCode()).isEqualTo(rfcCredential().hashCode());
  }
}
