package dev.hikyaku.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.DeliveryStatus.Action;
import dev.hikyaku.protocol.DeliveryStatus.Diagnostic;
import dev.hikyaku.protocol.EnhancedStatus;
import dev.hikyaku.testing.SettableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaildirDeliveryTest {

  @TempDir Path root;

  private final SettableClock clock = new SettableClock(Instant.parse("2026-11-23T10:00:00.123456Z"));
  private final MaildirDelivery maildir = new MaildirDelivery(clock, new SplittableRandom(9), "mx.example:1/x");
  private static final byte[] CONTENT =
      "From: a@sender.test\r\nSubject: hi\r\n\r\nbody \u00e9 line\r\n.dot\r\n".getBytes(StandardCharsets.UTF_8);

  /** RFC 3463 X.1.3, our reason, no remote MTA: a Maildir is no server. */
  private static void assertBadMailboxName(Attempt attempt) {
    DeliveryStatus status = attempt.status();
    assertThat(status.action()).as(attempt.toString()).isEqualTo(Action.FAILED);
    assertThat(status.status()).isEqualTo(EnhancedStatus.of(5, 1, 3));
    assertThat(status.diagnostic()).isInstanceOfSatisfying(Diagnostic.LocalReason.class,
        r -> assertThat(r.text()).contains(attempt.recipient()));
    assertThat(status.remoteMta()).isEmpty();
  }

  private static List<Path> files(Path directory) throws Exception {
    try (Stream<Path> s = Files.list(directory)) {
      return s.toList();
    }
  }

  @Test
  void deliversByteExactIntoNewThroughTmp() throws Exception {
    List<Attempt> attempts =
        maildir.deliver(root, new Outbound("a@sender.test", List.of("Bob@example.com", "carol@example.com"), CONTENT, true, false, Optional.empty()));

    // A copy in the mailbox is delivered (RFC 3464 §2.3.3), X.0.0, in our words: no server said it.
    assertThat(attempts).hasSize(2).allSatisfy(a -> {
      assertThat(a.status().action()).isEqualTo(Action.DELIVERED);
      assertThat(a.status().status()).isEqualTo(EnhancedStatus.of(2, 0, 0));
      assertThat(a.status().diagnostic()).isInstanceOfSatisfying(Diagnostic.LocalReason.class,
          r -> assertThat(r.text()).startsWith("delivered to Maildir as 1795428000."));
      assertThat(a.status().remoteMta()).isEmpty();
    });
    for (String user : List.of("bob", "carol")) {
      Path box = root.resolve(user);
      assertThat(box.resolve("cur")).isEmptyDirectory();
      assertThat(box.resolve("tmp")).isEmptyDirectory();
      List<Path> fresh = files(box.resolve("new"));
      assertThat(fresh).hasSize(1);
      byte[] expected = concat("Return-Path: <a@sender.test>\r\n".getBytes(StandardCharsets.US_ASCII), CONTENT);
      assertThat(Files.readAllBytes(fresh.getFirst())).isEqualTo(expected);
      // Maildir name: seconds.M<micros>P<pid>Q<n>R<random>.<host with / and : escaped>
      assertThat(fresh.getFirst().getFileName().toString())
          .matches("1795428000\\.M123456P\\d+Q\\d+R[0-9a-f]{16}\\.mx\\.example\\\\0721\\\\057x");
    }
  }

  @Test
  void eachDeliveryGetsAUniqueName() throws Exception {
    Outbound message = new Outbound("", List.of("bob@example.com"), CONTENT, false, false, Optional.empty());
    maildir.deliver(root, message);
    maildir.deliver(root, message); // same clock instant
    assertThat(files(root.resolve("bob").resolve("new"))).hasSize(2);
  }

  @Test
  void aQuotedLocalPartLandsInTheMaildirOfItsContent() throws Exception {
    // RFC 5321 §4.1.2: "bob"@d is the mailbox bob@d; the quotes are syntax, not part of the name.
    List<Attempt> attempts = maildir.deliver(root, new Outbound("a@sender.test", List.of("\"bob\"@example.com"), CONTENT, false, false, Optional.empty()));

    assertThat(attempts).singleElement().satisfies(a -> assertThat(a.status().action()).isEqualTo(Action.DELIVERED));
    assertThat(files(root.resolve("bob").resolve("new"))).hasSize(1);
    assertThat(files(root)).containsExactly(root.resolve("bob"));
  }

  @Test
  void everySpellingOfOneMailboxGetsOneCopyInOneMaildir() throws Exception {
    // Quoted, quoted with a quoted-pair (\q means q) and upper case all name the Maildir p5q.
    List<String> spellings = List.of("\"p5q\"@example.com", "p5q@example.com", "\"P5Q\"@example.com", "\"p5\\q\"@example.com");
    List<Attempt> attempts = maildir.deliver(root, new Outbound("a@sender.test", spellings, CONTENT, false, false, Optional.empty()));

    assertThat(attempts).hasSize(4).allSatisfy(a -> assertThat(a.status().action()).isEqualTo(Action.DELIVERED));
    assertThat(attempts.stream().map(Attempt::recipient)).containsExactlyElementsOf(spellings);
    // One file, so one status, its name included.
    assertThat(attempts.stream().map(Attempt::status).distinct()).hasSize(1);
    assertThat(files(root)).containsExactly(root.resolve("p5q"));
    assertThat(files(root.resolve("p5q").resolve("new"))).hasSize(1);
  }

  @Test
  void aQuotedLocalPartThatNamesAnotherDirectoryFailsPermanently() throws Exception {
    List<String> bad = List.of("\".\"@example.com", "\"..\"@example.com", "\"../p2ctrav\"@example.com", "\"p2c\\\\x\"@example.com",
        "\"\"@example.com");
    List<Attempt> attempts = maildir.deliver(root, new Outbound("a@sender.test", bad, CONTENT, false, false, Optional.empty()));

    assertThat(attempts).hasSize(bad.size()).allSatisfy(MaildirDeliveryTest::assertBadMailboxName);
    assertThat(files(root)).isEmpty();
  }

  @Test
  void localPartsThatLeaveTheRootFailPermanently() throws Exception {
    List<String> bad = List.of("../escape@example.com", "a/b@example.com", "..@example.com", "a\u0001b@example.com",
        ".hidden@example.com", "back\\slash@example.com");
    List<Attempt> attempts = maildir.deliver(root, new Outbound("a@sender.test",
        bad, CONTENT, false, false, Optional.empty()));
    assertThat(attempts).hasSize(bad.size()).allSatisfy(MaildirDeliveryTest::assertBadMailboxName);
    assertThat(files(root)).isEmpty();
    assertThat(root.getParent().resolve("escape")).doesNotExist();
  }

  @Test
  void anUnwritableRootDefers() throws Exception {
    Path blocked = root.resolve("file");
    Files.writeString(blocked, "not a directory");
    List<Attempt> attempts = maildir.deliver(blocked, new Outbound("", List.of("bob@example.com"), CONTENT, false, false, Optional.empty()));
    // RFC 3463 X.3.0: our own side failed; tried again later.
    assertThat(attempts.getFirst().status().action()).isEqualTo(Action.DELAYED);
    assertThat(attempts.getFirst().status().status()).isEqualTo(EnhancedStatus.of(4, 3, 0));
    assertThat(attempts.getFirst().status().diagnostic()).isInstanceOfSatisfying(Diagnostic.LocalReason.class,
        r -> assertThat(r.text()).contains("Maildir delivery to " + blocked));
    assertThat(attempts.getFirst().status().remoteMta()).isEmpty();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] all = new byte[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
