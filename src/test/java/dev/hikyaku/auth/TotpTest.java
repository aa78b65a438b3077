package dev.hikyaku.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 6238's own test vectors, then what a sign-in relies on: the window, and what is no code. */
class TotpTest {

  private static final byte[] SHA1_SECRET = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);

  /** RFC 6238 Appendix B: eight digits, the seed of each HMAC's length. */
  @ParameterizedTest(name = "T={0} {1}")
  @CsvSource({
      "59, HmacSHA1, 94287082", "59, HmacSHA256, 46119246", "59, HmacSHA512, 90693936",
      "1111111109, HmacSHA1, 07081804", "1111111109, HmacSHA256, 68084774", "1111111109, HmacSHA512, 25091201",
      "1111111111, HmacSHA1, 14050471", "1111111111, HmacSHA256, 67062674", "1111111111, HmacSHA512, 99943326",
      "1234567890, HmacSHA1, 89005924", "1234567890, HmacSHA256, 91819424", "1234567890, HmacSHA512, 93441116",
      "2000000000, HmacSHA1, 69279037", "2000000000, HmacSHA256, 90698825", "2000000000, HmacSHA512, 38618901",
      "20000000000, HmacSHA1, 65353130", "20000000000, HmacSHA256, 77737706", "20000000000, HmacSHA512, 47863826"})
  void theRfc6238TestVectors(long unixSeconds, String algorithm, String expected) {
    String seed = switch (algorithm) {
      case "HmacSHA1" -> "12345678901234567890";
      case "HmacSHA256" -> "12345678901234567890123456789012";
      default -> "1234567890123456789012345678901234567890123456789012345678901234";
    };
    Totp totp = new Totp(8, algorithm);
    long step = Totp.stepOf(Instant.ofEpochSecond(unixSeconds));
    assertThat(totp.code(seed.getBytes(StandardCharsets.US_ASCII), step)).isEqualTo(expected);
    assertThat(totp.matchingStep(seed.getBytes(StandardCharsets.US_ASCII), expected, Instant.ofEpochSecond(unixSeconds)))
        .hasValue(step);
  }

  @Test
  void sixDigitsAreTheLastSixOfTheTruncation() {
    // RFC 4226 Appendix D: HOTP of the same seed, counter 1, six digits.
    assertThat(Totp.standard().code(SHA1_SECRET, 1)).isEqualTo("287082");
  }

  @Test
  void aCodeOfTheStepBeforeOrAfterIsTakenAndNoFurther() {
    Totp totp = Totp.standard();
    Instant now = Instant.ofEpochSecond(1_800_000_000L);
    long step = Totp.stepOf(now);
    assertThat(totp.matchingStep(SHA1_SECRET, totp.code(SHA1_SECRET, step), now)).hasValue(step);
    assertThat(totp.matchingStep(SHA1_SECRET, totp.code(SHA1_SECRET, step - 1), now)).hasValue(step - 1);
    assertThat(totp.matchingStep(SHA1_SECRET, totp.code(SHA1_SECRET, step + 1), now)).hasValue(step + 1);
    assertThat(totp.matchingStep(SHA1_SECRET, totp.code(SHA1_SECRET, step - 2), now)).isEqualTo(OptionalLong.empty());
    assertThat(totp.matchingStep(SHA1_SECRET, totp.code(SHA1_SECRET, step + 2), now)).isEmpty();
    String spaced = totp.code(SHA1_SECRET, step).substring(0, 3) + " " + totp.code(SHA1_SECRET, step).substring(3);
    assertThat(totp.matchingStep(SHA1_SECRET, spaced, now)).as("as apps show it, in two groups").hasValue(step);
  }

  @Test
  void whatIsNoCodeMatchesNothing() {
    Totp totp = Totp.standard();
    Instant now = Instant.ofEpochSecond(1_800_000_000L);
    for (String given : new String[] {null, "", "12345", "1234567", "12a456", "１２３４５６", "-12345"}) {
      assertThat(totp.matchingStep(SHA1_SECRET, given, now)).as(String.valueOf(given)).isEmpty();
    }
    assertThatThrownBy(() -> new Totp(5, "HmacSHA1")).hasMessageContaining("6 to 8 digits");
    assertThatThrownBy(() -> new Totp(6, "HmacMD5")).hasMessageContaining("not an RFC 6238 HMAC");
  }

  @Test
  void theKeyUriIsWhatAuthenticatorAppsRead() {
    // RFC 4648 §10: BASE32("foobar") = "MZXW6YTBOI======"; apps take it without the padding.
    assertThat(Totp.base32("foobar".getBytes(StandardCharsets.US_ASCII))).isEqualTo("MZXW6YTBOI");
    assertThat(Totp.standard().uri("Hikyaku mx.example.com", "alice@example.com", SHA1_SECRET))
        .isEqualTo("otpauth://totp/Hikyaku%20mx.example.com:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            + "&issuer=Hikyaku%20mx.example.com&algorithm=SHA1&digits=6&period=30");
    assertThat(Totp.newSecret(new SecureRandom())).hasSize(20);
  }
}
