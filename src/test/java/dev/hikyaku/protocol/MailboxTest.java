package dev.hikyaku.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * RFC 5321 §4.1.2: a Quoted-string local part is syntax around its content; the mailbox is the
 * content, and it is written back as a Dot-string whenever the content is one.
 */
class MailboxTest {

  private static Mailbox mailbox(String address) {
    return ForwardPath.of(address).mailbox();
  }

  @Test
  void theLocalPartIsTheContentWithQuotedPairsResolved() {
    assertThat(mailbox("\"p5q\"@d.test").localPart()).isEqualTo("p5q");
    assertThat(mailbox("\"p5\\q\"@d.test").localPart()).isEqualTo("p5q");
    assertThat(mailbox("\"p2c\\\\x\"@d.test").localPart()).isEqualTo("p2c\\x");
    assertThat(mailbox("\"john smith\"@d.test").localPart()).isEqualTo("john smith");
    assertThat(mailbox("p5q@d.test").localPart()).isEqualTo("p5q");
  }

  @Test
  void everySpellingOfADotStringMailboxIsWrittenAsTheDotString() {
    // RFC 5322 §3.4.1: when the local part can be a dot-atom, the quoted form SHOULD NOT be used.
    for (String spelling : new String[] {"\"p5q\"@d.test", "\"p5\\q\"@d.test", "\"\\p\\5\\q\"@d.test", "p5q@d.test"}) {
      assertThat(mailbox(spelling).address()).as(spelling).isEqualTo("p5q@d.test");
      assertThat(mailbox(spelling)).as(spelling).isEqualTo(mailbox("p5q@d.test"));
    }
    assertThat(mailbox("\"first.last\"@d.test").address()).isEqualTo("first.last@d.test");
    assertThat(mailbox("\"a/b\"@d.test").address()).isEqualTo("a/b@d.test");
    assertThat(mailbox("\"\u7528\u6237\"@d.test").address()).isEqualTo("\u7528\u6237@d.test"); // RFC 6531 §3.3 atext
  }

  @Test
  void contentThatIsNoDotStringKeepsItsQuotesWithTheFewestQuotedPairs() {
    assertThat(mailbox("\"john smith\"@d.test").address()).isEqualTo("\"john smith\"@d.test");
    assertThat(mailbox("\"\"@d.test").address()).isEqualTo("\"\"@d.test");
    assertThat(mailbox("\".\"@d.test").address()).isEqualTo("\".\"@d.test");
    assertThat(mailbox("\"..\"@d.test").address()).isEqualTo("\"..\"@d.test");
    assertThat(mailbox("\".a\"@d.test").address()).isEqualTo("\".a\"@d.test");
    assertThat(mailbox("\"a.\"@d.test").address()).isEqualTo("\"a.\"@d.test");
    assertThat(mailbox("\"a..b\"@d.test").address()).isEqualTo("\"a..b\"@d.test");
    assertThat(mailbox("\"a@b\"@d.test").address()).isEqualTo("\"a@b\"@d.test");
    assertThat(mailbox("\"a\\\"b\\\\c\"@d.test").address()).isEqualTo("\"a\\\"b\\\\c\"@d.test");
  }

  @Test
  void theCanonicalAddressParsesBackToTheSameMailbox() {
    for (String spelling : new String[] {"\"p5\\q\"@d.test", "\"john smith\"@d.test", "\"a\\\"b\\\\c\"@d.test", "\"\"@d.test", "x.y@[192.0.2.1]"}) {
      Mailbox once = mailbox(spelling);
      assertThat(mailbox(once.address())).as(spelling).isEqualTo(once);
    }
  }

  @Test
  void aSourceRouteIsDroppedAndTheFinalMailboxKept() {
    // RFC 5321 §4.1.1.3: servers SHOULD ignore the route; Appendix C: the final mailbox counts.
    ForwardPath routed = ForwardPath.of("@x.test,@y.test:\"p2c\"@d.test");
    assertThat(routed).isEqualTo(ForwardPath.of("p2c@d.test"));
    assertThat(routed.address()).isEqualTo("p2c@d.test");
    assertThat(routed.mailbox()).isEqualTo(mailbox("p2c@d.test"));
  }
}
