package dev.hikyaku.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hikyaku.protocol.PathSyntax.PathException;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes {@link PathSyntax}, the RFC 5321 §4.1.2 path parser behind MAIL FROM and RCPT TO (package
 * access, so it lives next to it). Invariants: {@link PathException} is the only refusal; the path
 * found by {@link PathSyntax#pathLength} ends at a '>' outside quotes; a parsed mailbox keeps the
 * RFC 5321 §4.5.3.1 size limits and round-trips: its canonical form parses to the same mailbox, as
 * a reverse and as a forward path.
 */
class PathFuzzTest {

  @FuzzTest(maxDuration = "10s")
  void path(byte[] input) {
    if (input.length > 1024) {
      return;
    }
    String text = new String(input, StandardCharsets.UTF_8);
    int length = PathSyntax.pathLength(text);
    if (length < 0) {
      return;
    }
    assertThat(length).isBetween(2, text.length());
    assertThat(text.charAt(length - 1)).isEqualTo('>');
    String path = text.substring(0, length);
    Mailbox mailbox;
    try {
      mailbox = PathSyntax.forwardPath(path).mailbox();
    } catch (PathException refused) {
      assertThat(refused.getMessage()).isNotBlank().doesNotContain("\r", "\n");
      assertThat(Replies.badRecipientSyntax(refused.getMessage()).code()).isEqualTo(501);
      return;
    }
    if (path.equalsIgnoreCase("<postmaster>")) {
      return;
    }
    assertThat(mailbox.domain().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(PathSyntax.MAX_DOMAIN);
    assertThat(mailbox.domain()).doesNotContain("\r", "\n", " ", ">");
    String canonical = "<" + mailbox.address() + ">";
    try {
      assertThat(PathSyntax.forwardPath(canonical).mailbox()).as("%s written as %s", path, canonical).isEqualTo(mailbox);
      assertThat(PathSyntax.reversePath(canonical).mailbox()).contains(mailbox);
    } catch (PathException e) {
      throw new AssertionError(path + " parsed, but its canonical form " + canonical + " does not: " + e.getMessage(), e);
    }
    assertThat(PathSyntax.pathLength(canonical)).isEqualTo(canonical.length());
  }
}
