package dev.hikyaku.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Standard Webhooks 1.0 signatures against the reference libraries' published vector (a data file). */
class SignatureTest {

  /** The vector: {@code name: value} lines, # comments. */
  static Map<String, String> vector() throws IOException {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : Files.readAllLines(Path.of("src/test/resources/vectors/standard-webhooks-signature.txt"))) {
      if (!line.startsWith("#") && line.contains(": ")) {
        fields.put(line.substring(0, line.indexOf(": ")), line.substring(line.indexOf(": ") + 2));
      }
    }
    return fields;
  }

  @Test
  void signsThePublishedVector() throws IOException {
    Map<String, String> v = vector();
    byte[] payload = v.get("payload").getBytes(StandardCharsets.UTF_8);
    long timestamp = Long.parseLong(v.get("timestamp"));
    assertThat(Signature.sign(v.get("secret"), v.get("msg_id"), timestamp, payload)).isEqualTo(v.get("signature"));
    // The libraries take the secret with or without its prefix.
    assertThat(Signature.sign(v.get("secret").substring("whsec_".length()), v.get("msg_id"), timestamp, payload))
        .isEqualTo(v.get("signature"));
    assertThat(Signature.verifies(v.get("signature"), v.get("secret"), v.get("msg_id"), timestamp, payload)).isTrue();
    assertThat(Signature.verifies(v.get("signature"), v.get("secret"), v.get("msg_id"), timestamp + 1, payload)).isFalse();
    assertThat(Signature.verifies(v.get("signature"), v.get("secret"), v.get("msg_id"), timestamp,
        v.get("payload").replace(" ", "").getBytes(StandardCharsets.UTF_8))).as("one space less").isFalse();
  }

  @Test
  void duringARotationEverySecretSignsAndEitherVerifies() throws IOException {
    Map<String, String> v = vector();
    byte[] payload = v.get("payload").getBytes(StandardCharsets.UTF_8);
    long timestamp = Long.parseLong(v.get("timestamp"));
    String newer = Signature.newSecret(new SplittableRandom(1));
    String header = Signature.header(List.of(newer, v.get("secret")), v.get("msg_id"), timestamp, payload);
    assertThat(header.split(" ")).hasSize(2).endsWith(v.get("signature"));
    assertThat(Signature.verifies(header, newer, v.get("msg_id"), timestamp, payload)).isTrue();
    assertThat(Signature.verifies(header, v.get("secret"), v.get("msg_id"), timestamp, payload)).isTrue();
    assertThat(Signature.verifies(header, Signature.newSecret(new SplittableRandom(2)), v.get("msg_id"), timestamp, payload))
        .isFalse();
    assertThat(Signature.verifies("v1a," + v.get("signature").substring(3), v.get("secret"), v.get("msg_id"), timestamp, payload))
        .as("another version's signature is not a v1 one").isFalse();
  }

  @Test
  void aNewSecretIsWhsecAndTwentyFourRandomOctets() {
    String secret = Signature.newSecret(new java.security.SecureRandom());
    assertThat(secret).startsWith("whsec_");
    assertThat(Base64.getDecoder().decode(secret.substring(6))).hasSize(24);
    assertThat(Signature.newSecret(new java.security.SecureRandom())).isNotEqualTo(secret);
    assertThatThrownBy(() -> Signature.sign(secret, "evt.1", 1, new byte[0])).hasMessageContaining("no '.'");
  }
}
