package dev.hikyaku.auth.credential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class GeneratedSecretsTest {

  private static final byte[] SERVER_SECRET =
      "server secret of thirty-two byte".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] OTHER_SECRET =
      "another secret, thirty-two bytes".getBytes(StandardCharsets.US_ASCII);
  private static final SecureRandom RANDOM = new SecureRandom();

  @Test
  void appPasswordCarriesAtLeast128BitsByConstruction() {
    // Entropy = characters × log2(alphabet size), each character drawn independently and uniformly.
    Set<Character> alphabet = new HashSet<>();
    for (char c : GeneratedSecrets.ALPHABET.toCharArray()) {
      alphabet.add(c);
    }
    assertThat(alphabet).hasSize(32).doesNotContain('i', 'l', 'o', 'u');
    assertThat(1 << GeneratedSecrets.BITS_PER_CHARACTER).isEqualTo(alphabet.size());
    assertThat(GeneratedSecrets.APP_PASSWORD_CHARACTERS * GeneratedSecrets.BITS_PER_CHARACTER)
        .isEqualTo(140)
        .isGreaterThanOrEqualTo(128);

    String password = GeneratedSecrets.newAppPassword(RANDOM);

    assertThat(password).hasSize(34).matches("[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){6}");
    assertThat(password.replace("-", "")).hasSize(GeneratedSecrets.APP_PASSWORD_CHARACTERS);
  }

  @Test
  void everyDigitOfTheAlphabetIsUsed() {
    // 1000 × 28 draws: missing one of 32 digits has probability about 32 × (31/32)^28000 ≈ 0.
    Set<Character> seen = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      for (char c : GeneratedSecrets.newAppPassword(RANDOM).replace("-", "").toCharArray()) {
        seen.add(c);
      }
    }
    assertThat(seen).hasSize(32);
  }

  @Test
  void drawsFromTheGivenGenerator() {
    assertThat(GeneratedSecrets.newAppPassword(new SplittableRandom(42)))
        .isEqualTo(GeneratedSecrets.newAppPassword(new SplittableRandom(42)))
        .isNotEqualTo(GeneratedSecrets.newAppPassword(new SplittableRandom(43)));
    assertThat(GeneratedSecrets.newAppPassword(RANDOM))
        .isNotEqualTo(GeneratedSecrets.newAppPassword(RANDOM));
  }

  @Test
  void shapeCheckAcceptsWhatPeopleRetype() {
    String password = GeneratedSecrets.newAppPassword(RANDOM);

    assertThat(GeneratedSecrets.looksLikeAppPassword(password)).isTrue();
    assertThat(GeneratedSecrets.looksLikeAppPassword(password.toUpperCase())).isTrue();
    assertThat(GeneratedSecrets.looksLikeAppPassword(password.replace("-", ""))).isTrue();
    assertThat(GeneratedSecrets.looksLikeAppPassword(password.replace('-', ' '))).isTrue();
  }

  @Test
  void shapeCheckRefusesOtherShapes() {
    String password = GeneratedSecrets.newAppPassword(RANDOM);
    List<String> others =
        List.of(
            "",
            "correct horse battery staple",
            password.substring(0, password.length() - 1),
            password + "0",
            "i" + password.substring(1),
            "o" + password.substring(1),
            "u" + password.substring(1),
            "l" + password.substring(1),
            password.replace('-', '_'));
    for (String other : others) {
      assertThat(GeneratedSecrets.looksLikeAppPassword(other)).as(other).isFalse();
    }
    assertThat(GeneratedSecrets.looksLikeAppPassword(null)).isFalse();
  }

  @Test
  void keyedHashIsHmacSha256OfTheNormalisedSecret() throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SERVER_SECRET, "HmacSHA256"));
    String expected =
        HexFormat.of().formatHex(mac.doFinal("abcdefgh".getBytes(StandardCharsets.UTF_8)));

    for (String spelling :
        List.of("abcd-efgh", "ABCD-EFGH", "abcd efgh", "abcdefgh", " ab-cd EF gh ")) {
      assertThat(GeneratedSecrets.keyedHash(SERVER_SECRET, spelling))
          .as(spelling)
          .isEqualTo(expected);
      // The same with the key set up once and the Mac cloned per use (issue 15).
      assertThat(new KeyedHash(SERVER_SECRET).of(spelling)).as(spelling).isEqualTo(expected);
    }
    assertThat(expected).matches("[0-9a-f]{64}");
  }

  @Test
  void keyedHashDependsOnSecretAndServerKey() {
    String password = GeneratedSecrets.newAppPassword(RANDOM);
    String hash = GeneratedSecrets.keyedHash(SERVER_SECRET, password);

    assertThat(GeneratedSecrets.keyedHash(SERVER_SECRET, GeneratedSecrets.newAppPassword(RANDOM)))
        .isNotEqualTo(hash);
    assertThat(GeneratedSecrets.keyedHash(OTHER_SECRET, password)).isNotEqualTo(hash);
    assertThat(GeneratedSecrets.matchesKeyedHash(SERVER_SECRET, password.toUpperCase(), hash))
        .isTrue();
    assertThat(GeneratedSecrets.matchesKeyedHash(SERVER_SECRET, password, hash.toUpperCase()))
        .isTrue();
    assertThat(GeneratedSecrets.matchesKeyedHash(OTHER_SECRET, password, hash)).isFalse();
    assertThat(GeneratedSecrets.matchesKeyedHash(SERVER_SECRET, password + "x", hash)).isFalse();
    assertThat(GeneratedSecrets.matchesKeyedHash(SERVER_SECRET, password, "")).isFalse();
  }

  @Test
  void serverSecretShorterThanTheHashIsRefused() {
    assertThatThrownBy(() -> GeneratedSecrets.keyedHash(new byte[31], "abcd"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("32")
        .hasMessageContaining("31")
        .hasMessageNotContaining("abcd");
  }
}
