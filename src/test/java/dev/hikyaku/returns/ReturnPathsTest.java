package dev.hikyaku.returns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.store.QueueId;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** VERP return paths: a round trip in any case, and every way of forging one refused. */
class ReturnPathsTest {

  private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] OTHER_SECRET = "fedcba9876543210fedcba9876543210".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final String DOMAIN = "bounce.example.com";

  private final ReturnPaths paths = new ReturnPaths(DOMAIN, SECRET);
  private final QueueId id = QueueId.generate(Clock.fixed(Instant.parse("2026-12-01T09:14:00Z"), ZoneOffset.UTC), new SplittableRandom(3));

  private static String local(String address) {
    return address.substring(0, address.lastIndexOf('@'));
  }

  @Test
  void aReturnPathNamesItsMessageInAnyCaseAndFitsTheLocalPartLimit() {
    String path = paths.returnPath(id);
    assertThat(path).matches("bounces\\+[0-9a-z]{32}@bounce\\.example\\.com");
    assertThat(path).startsWith("bounces+" + id.value().toLowerCase(Locale.ROOT));
    // RFC 5321 §4.5.3.1.1: a local part is at most 64 octets.
    assertThat(local(path).length()).isEqualTo(40).isLessThanOrEqualTo(64);
    assertThat(paths.recognize(local(path))).isEqualTo(new ReturnPaths.Recognition.Ours(id));
    assertThat(paths.recognize(local(path).toUpperCase(Locale.ROOT))).isEqualTo(new ReturnPaths.Recognition.Ours(id));
    assertThat(paths.messageOf("rfc822; <" + path.toUpperCase(Locale.ROOT) + ">")).hasValue(id);
    assertThat(paths.messageOf(path)).hasValue(id);
    // The same message, the same return path: one transaction per destination, whatever the recipients.
    assertThat(new ReturnPaths(DOMAIN.toUpperCase(Locale.ROOT), SECRET).returnPath(id)).isEqualTo(path);
  }

  @Test
  void anAlteredTruncatedOrLengthenedTokenIsForged() {
    String local = local(paths.returnPath(id));
    // Every single character of the token changed, in the queue id and in the MAC.
    for (int i = ReturnPaths.PREFIX.length(); i < local.length(); i++) {
      char c = local.charAt(i);
      char other = c == 'a' ? 'b' : 'a';
      String altered = local.substring(0, i) + other + local.substring(i + 1);
      assertThat(paths.recognize(altered)).as(altered).isInstanceOf(ReturnPaths.Recognition.Forged.class);
    }
    assertThat(paths.recognize(local.substring(0, local.length() - 1))).isInstanceOf(ReturnPaths.Recognition.Forged.class);
    assertThat(paths.recognize(local + "a")).isInstanceOf(ReturnPaths.Recognition.Forged.class);
    assertThat(paths.recognize("bounces+")).isInstanceOf(ReturnPaths.Recognition.Forged.class);
    // Another message's MAC on this queue id.
    QueueId other = QueueId.generate(Clock.fixed(Instant.parse("2026-12-01T09:15:00Z"), ZoneOffset.UTC), new SplittableRandom(4));
    String swapped = ReturnPaths.PREFIX + id.value().toLowerCase(Locale.ROOT) + local(paths.returnPath(other)).substring(24);
    assertThat(paths.recognize(swapped)).isInstanceOf(ReturnPaths.Recognition.Forged.class);
    // Not base32 where the queue id goes.
    assertThat(paths.recognize("bounces+" + "!".repeat(32))).isInstanceOf(ReturnPaths.Recognition.Forged.class);
    assertThat(paths.messageOf(ReturnPaths.PREFIX + "x".repeat(32) + "@" + DOMAIN)).isEmpty();
  }

  @Test
  void aTokenMintedUnderAnotherSecretOrForAnotherDomainIsForged() {
    String theirs = new ReturnPaths(DOMAIN, OTHER_SECRET).returnPath(id);
    assertThat(paths.recognize(local(theirs))).isInstanceOf(ReturnPaths.Recognition.Forged.class);
    String otherDomain = new ReturnPaths("bounce.example.org", SECRET).returnPath(id);
    assertThat(paths.recognize(local(otherDomain))).isInstanceOf(ReturnPaths.Recognition.Forged.class);
    // A real token at another domain names nothing here.
    assertThat(paths.messageOf(local(paths.returnPath(id)) + "@example.com")).isEmpty();
  }

  @Test
  void otherLocalPartsAreNoReturnPathsAndAShortSecretIsRefused() {
    assertThat(paths.recognize("fbl")).isEqualTo(new ReturnPaths.Recognition.NotAReturnPath());
    assertThat(paths.recognize("postmaster")).isEqualTo(new ReturnPaths.Recognition.NotAReturnPath());
    assertThat(paths.messageOf("fbl@" + DOMAIN)).isEmpty();
    assertThatThrownBy(() -> new ReturnPaths(DOMAIN, new byte[16])).isInstanceOf(IllegalArgumentException.class);
  }
}
