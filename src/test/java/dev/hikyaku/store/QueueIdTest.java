package dev.hikyaku.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class QueueIdTest {

  private static final String CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  private static final RandomGenerator ALL_ZEROS = () -> 0L;
  private static final RandomGenerator ALL_ONES = () -> -1L;

  private static Clock at(long epochMilli) {
    return Clock.fixed(Instant.ofEpochMilli(epochMilli), ZoneOffset.UTC);
  }

  /** Independent oracle: the 80-bit number time << 32 | random, in base 32, mapped to Crockford. */
  private static String expectedId(long millis, long random32) {
    String base32 = BigInteger.valueOf(millis).shiftLeft(32).or(BigInteger.valueOf(random32))
        .toString(32);
    StringBuilder text = new StringBuilder();
    for (char digit : base32.toCharArray()) {
      text.append(CROCKFORD.charAt(Character.digit(digit, 32)));
    }
    while (text.length() < 16) {
      text.insert(0, '0');
    }
    return text.toString();
  }

  @Test
  void encodesTimeThenRandomBitsInCrockfordBase32() {
    assertThat(QueueId.generate(at(0), ALL_ZEROS).value()).isEqualTo("0000000000000000");
    assertThat(QueueId.generate(at((1L << 48) - 1), ALL_ONES).value()).isEqualTo("ZZZZZZZZZZZZZZZZ");

    long millis = Instant.parse("2026-03-14T15:09:26.535Z").toEpochMilli();
    RandomGenerator fixed = () -> 0xDEADBEEFL << 32; // nextInt() takes the high 32 bits
    QueueId id = QueueId.generate(at(millis), fixed);
    assertThat(id.value()).isEqualTo(expectedId(millis, 0xDEADBEEFL)).hasSize(16);
    assertThat(id.toString()).isEqualTo(id.value());
    assertThat(id.timestamp()).isEqualTo(Instant.ofEpochMilli(millis));
  }

  @Test
  void generatedIdsParseBackToThemselves() {
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < 1_000; i++) {
      long millis = random.nextLong(1L << 48);
      QueueId id = QueueId.generate(at(millis), random);
      assertThat(QueueId.parse(id.value())).contains(id);
      assertThat(id.timestamp().toEpochMilli()).isEqualTo(millis);
      assertThat(id.value()).matches("[0-9A-HJKMNP-TV-Z]{16}");
    }
  }

  @Test
  void sortsByTimeWhateverTheRandomBits() {
    long base = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    List<QueueId> inTimeOrder = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      // Worst case for sorting: the earlier id has the largest random part, the later the smallest.
      inTimeOrder.add(QueueId.generate(at(base + i), i % 2 == 0 ? ALL_ONES : ALL_ZEROS));
    }
    List<String> asText = inTimeOrder.stream().map(QueueId::value).sorted().toList();
    assertThat(asText).isEqualTo(inTimeOrder.stream().map(QueueId::value).toList());
    assertThat(inTimeOrder).isSorted();
  }

  @Test
  void parseAcceptsLowerCaseAndCanonicalizes() {
    assertThat(QueueId.parse("01jq3v8m7r2kx9zc")).map(QueueId::value).contains("01JQ3V8M7R2KX9ZC");
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {
      "01JQ3V8M7R2KX9Z", // 15 characters
      "01JQ3V8M7R2KX9ZCA", // 17 characters
      "01JQ3V8M7R2KX9ZI", // I is not in the alphabet
      "01JQ3V8M7R2KX9ZL", // nor L
      "01JQ3V8M7R2KX9ZO", // nor O
      "01JQ3V8M7R2KX9ZU", // nor U
      "01JQ3V8M7R2KX9Z-",
      "01JQ3V8M7R2KX9Z ",
      "../../etc/passwd",
      "01JQ3V8M7R2KX9Zé",
      "000000000000000ß", // upper-cases to 17 characters
      "01JQ3V8M7R2KX9Z\u0000"})
  void parseRejectsMalformedTextWithoutThrowing(String text) {
    assertThat(QueueId.parse(text)).isEmpty();
  }

  @Test
  void constructorRejectsNonCanonicalValueNamingIt() {
    assertThatThrownBy(() -> new QueueId("01jq3v8m7r2kx9zc"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("01jq3v8m7r2kx9zc");
  }

  @Test
  void generateRefusesAClockOutsideTheEncodableRange() {
    assertThatThrownBy(() -> QueueId.generate(at(-1), ALL_ZEROS))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> QueueId.generate(at(1L << 48), ALL_ZEROS))
        .isInstanceOf(IllegalStateException.class);
  }
}
