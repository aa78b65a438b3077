package dev.hikyaku.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EnhancedStatusTest {

  @Test
  void aStatusIsClassSubjectDetail() {
    assertThat(EnhancedStatus.parse("5.1.1")).contains(EnhancedStatus.of(5, 1, 1));
    assertThat(EnhancedStatus.parse("4.4.7")).contains(EnhancedStatus.of(4, 4, 7));
    assertThat(EnhancedStatus.parse("2.0.0")).contains(EnhancedStatus.of(2, 0, 0));
    assertThat(EnhancedStatus.parse("5.123.999")).contains(EnhancedStatus.of(5, 123, 999));
    assertThat(EnhancedStatus.parse("5.01.001")).map(EnhancedStatus::toString).contains("5.1.1");
  }

  @Test
  void anythingElseIsNoStatus() {
    // RFC 3463 §2: class is one digit of 2, 4, 5; subject and detail 1-3 digits.
    for (String text : new String[] {"", "5", "5.1", "5.1.", "5..1", ".1.1", "3.1.1", "05.1.1", "55.1.1", "5.1234.1",
        "5.1.1234", "5.1.1.1", "5.1.1 ", " 5.1.1", "5.a.1", "5.1.-1", "5.1.+1"}) {
      assertThat(EnhancedStatus.parse(text)).as(text).isEmpty();
    }
  }

  @Test
  void aReplyLineOpensWithItsStatus() {
    // RFC 2034 §4: the status comes first in the text, followed by a space (or nothing).
    assertThat(EnhancedStatus.atStartOf("5.1.1 No such user", 0)).contains(new EnhancedStatus.Found(EnhancedStatus.of(5, 1, 1), 5));
    assertThat(EnhancedStatus.atStartOf("550 4.7.1 Try later", 4)).contains(new EnhancedStatus.Found(EnhancedStatus.of(4, 7, 1), 9));
    assertThat(EnhancedStatus.atStartOf("2.0.0", 0)).contains(new EnhancedStatus.Found(EnhancedStatus.of(2, 0, 0), 5));
    assertThat(EnhancedStatus.atStartOf("5.1.1: no such user", 0)).isEmpty();
    assertThat(EnhancedStatus.atStartOf("see 5.1.1", 0)).isEmpty();
    assertThat(EnhancedStatus.atStartOf("550", 4)).isEmpty();
  }
}
