package dev.hikyaku.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.mailauth.FromField;
import dev.hikyaku.protocol.CommandParser;
import dev.hikyaku.protocol.DataReader;
import java.nio.charset.StandardCharsets;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The fuzz harnesses cap their inputs, so they cannot see quadratic time; these check the known
 * suspects on large generated inputs: four times the input may cost at most ten times the time
 * (linear is four, quadratic sixteen). Each size is timed as the best of several runs after a
 * warm-up, which keeps the ratio steady on a busy machine.
 */
@Isolated // it times parsers: nothing else may run beside it (bin/test --fast runs classes concurrently)
class LinearityTest {

  private static final int SMALL = 100_000;

  @Test
  void headerScanningIsLinearInTheNumberOfHeaderLines() {
    // 100,000 header lines (issue 14 §5) through DATA: HeaderScan runs on every octet.
    assertLinear(n -> {
      String header = "X-Filler: some value\r\n".repeat(n) + "Received: from a by b; now\r\n".repeat(20);
      return (header + "\r\nbody\r\n.\r\n").getBytes(StandardCharsets.US_ASCII);
    }, bytes -> {
      DataReader reader = DataReader.forData(Long.MAX_VALUE);
      reader.feed(bytes, 0, bytes.length);
      assertThat(reader.isComplete()).isTrue();
    });
  }

  @Test
  void headerScanningIsLinearInTheLengthOfOneFoldedField() {
    // One long From: field folded over many lines, and one long unfolded line.
    assertLinear(n -> ("From: " + "a@b.example,\r\n ".repeat(n) + "c@d.example\r\n\r\nx\r\n.\r\n").getBytes(StandardCharsets.US_ASCII),
        bytes -> DataReader.forData(Long.MAX_VALUE).feed(bytes, 0, bytes.length));
    assertLinear(n -> ("DKIM-Signature: " + "b=abcdefgh".repeat(n) + "\r\n\r\nx\r\n.\r\n").getBytes(StandardCharsets.US_ASCII),
        bytes -> DataReader.forData(Long.MAX_VALUE).feed(bytes, 0, bytes.length));
  }

  @Test
  void fromFieldParsingIsLinear() {
    // mime4j's JJTree nodes grow their child array by one per child, so an address list costs
    // quadratic copying in its number of addresses: bounded here because a header field never
    // exceeds protocol.HeaderScan's 100 KiB (552 5.3.4 before any parse). Measured at that bound
    // (about 4,600 addresses), not at millions the server never parses.
    assertLinear(n -> ("\"A B\" <a@b.example>, ".repeat(n) + "c@d.example").getBytes(StandardCharsets.US_ASCII),
        bytes -> assertThat(FromField.mailboxes(new String(bytes, StandardCharsets.US_ASCII))).isPresent(),
        FIELD_LIMIT_ADDRESSES / 4);
    assertLinear(n -> ("(" .repeat(n) + ")".repeat(n) + " a@b.example").getBytes(StandardCharsets.US_ASCII),
        bytes -> FromField.mailboxes(new String(bytes, StandardCharsets.US_ASCII)));
  }

  @Test
  void commandParsingIsLinearEvenBeyondTheLineLimit() {
    // The session refuses lines over 512 octets first; the parser must not depend on that.
    assertLinear(n -> ("MAIL FROM:<\"" + "\\\"".repeat(n) + "\"@b.example>" + " X=1".repeat(n)).getBytes(StandardCharsets.US_ASCII),
        bytes -> CommandParser.parse(new String(bytes, StandardCharsets.US_ASCII), CommandParser.allExtensions()));
    assertLinear(n -> ("RCPT TO:<" + "@a.example,".repeat(n) + "@b:c@d.example>").getBytes(StandardCharsets.US_ASCII),
        bytes -> CommandParser.parse(new String(bytes, StandardCharsets.US_ASCII), CommandParser.allExtensions()));
  }

  interface Work {
    void run(byte[] input);
  }

  /** Addresses of {@code "A B" <a@b.example>, } (22 octets) in a field of 100 KiB. */
  private static final int FIELD_LIMIT_ADDRESSES = dev.hikyaku.protocol.HeaderScan.MAX_FIELD_OCTETS / 22;

  private static void assertLinear(IntFunction<byte[]> input, Work work) {
    assertLinear(input, work, SMALL);
  }

  private static void assertLinear(IntFunction<byte[]> input, Work work, int smallSize) {
    byte[] small = input.apply(smallSize);
    byte[] large = input.apply(4 * smallSize);
    best(small, work); // warm-up
    best(large, work);
    long smallNanos = best(small, work);
    long largeNanos = best(large, work);
    assertThat((double) largeNanos / Math.max(smallNanos, 1))
        .as("4x input: %d ns -> %d ns", smallNanos, largeNanos)
        .isLessThan(10.0);
  }

  private static long best(byte[] input, Work work) {
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      long start = System.nanoTime();
      work.run(input);
      best = Math.min(best, System.nanoTime() - start);
    }
    return best;
  }
}
