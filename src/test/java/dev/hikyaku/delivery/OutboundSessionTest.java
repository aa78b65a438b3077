package dev.hikyaku.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.DeliveryStatus.Action;
import dev.hikyaku.protocol.DeliveryStatus.Diagnostic;
import dev.hikyaku.protocol.EnhancedStatus;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Peers other than Hikyaku: GreenMail (plain ESMTP without PIPELINING, 8BITMIME or STARTTLS) and a
 * scripted server for greetings, HELO fallback and silence.
 */
class OutboundSessionTest {

  @RegisterExtension
  static final GreenMailExtension greenMail = new GreenMailExtension(
      new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());

  private static final OutboundSession.Timeouts SHORT = new OutboundSession.Timeouts(
      Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5));

  private static InetSocketAddress greenMailAddress() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), greenMail.getSmtp().getPort());
  }

  /** The remote MTA every status of a session to {@code address} as "localhost" names. */
  private static DeliveryStatus.RemoteMta localhost(InetSocketAddress address) {
    return new DeliveryStatus.RemoteMta("localhost", Optional.of("127.0.0.1"), address.getPort());
  }

  private static OutboundSession open(InetSocketAddress address, TlsPolicy policy) throws OutboundException {
    return OutboundSession.open(address, "localhost", "out.client.example", policy, Optional.empty(), SHORT, Optional.empty());
  }

  @Test
  void greenMailGetsTheMessageWithoutPipeliningOrTls() throws Exception {
    byte[] content = "From: a@client.example\r\nSubject: via GreenMail\r\n\r\n.dot line\r\nend\r\n"
        .getBytes(StandardCharsets.US_ASCII);
    try (OutboundSession session = open(greenMailAddress(), TlsPolicy.OPPORTUNISTIC)) {
      assertThat(session.tlsProtocol()).isEmpty();
      assertThat(session.extensions()).doesNotContain("PIPELINING", "STARTTLS", "8BITMIME");
      List<Attempt> attempts = session.send(new Outbound("a@client.example", List.of("x@greenmail.test", "y@greenmail.test"),
          content, false, false, Optional.empty()));
      assertThat(attempts).hasSize(2).allSatisfy(a -> {
        assertThat(a.status().action()).isEqualTo(Action.DELIVERED);
        assertThat(a.status().diagnostic()).isInstanceOfSatisfying(Diagnostic.RemoteReply.class,
            r -> assertThat(r.code()).isEqualTo(250));
        assertThat(a.status().remoteMta()).contains(localhost(greenMailAddress()));
      });
      assertThat(attempts).extracting(Attempt::recipient).containsExactly("x@greenmail.test", "y@greenmail.test");
    }
    MimeMessage[] received = greenMail.getReceivedMessages();
    assertThat(received).hasSize(2); // one per recipient mailbox
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    received[0].writeTo(raw);
    assertThat(raw.toString(StandardCharsets.US_ASCII)).contains("Subject: via GreenMail").contains("\r\n.dot line\r\nend");
  }

  @Test
  void eightBitToAServerWithout8BitMimeFailsEveryoneLocally() throws Exception {
    try (OutboundSession session = open(greenMailAddress(), TlsPolicy.OPPORTUNISTIC)) {
      List<Attempt> attempts = session.send(new Outbound("a@client.example", List.of("x@greenmail.test", "y@greenmail.test"),
          "Subject: 8bit\r\n\r\nGrüße\r\n".getBytes(StandardCharsets.UTF_8), true, false, Optional.empty()));
      // Our own reason (RFC 6152, X.6.3), no reply of the server's; the server it concerns is named.
      assertThat(attempts).hasSize(2).allSatisfy(a -> assertThat(a.status()).isEqualTo(
          dev.hikyaku.protocol.DeliveryReasons.needsEightBitMime().at(localhost(greenMailAddress()))));
      assertThat(attempts.getFirst().status().status()).isEqualTo(EnhancedStatus.of(5, 6, 3));
      assertThat(attempts.getFirst().status().diagnostic()).isInstanceOfSatisfying(Diagnostic.LocalReason.class,
          r -> assertThat(r.text()).contains("8BITMIME").contains("RFC 6152"));
      // Nothing was sent, so the session is still good for a 7-bit message.
      assertThat(session.send(new Outbound("a@client.example", List.of("x@greenmail.test"),
          "Subject: 7bit\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII), false, false, Optional.empty())))
          .singleElement().satisfies(a -> assertThat(a.outcome()).isEqualTo(DeliveryStatus.Outcome.DELIVERED));
    }
    assertThat(greenMail.getReceivedMessages()).hasSize(1);
  }

  @Test
  void requireWithoutStartTlsOfferedFailsTransiently() {
    assertThatThrownBy(() -> open(greenMailAddress(), TlsPolicy.REQUIRE))
        .isInstanceOfSatisfying(OutboundException.class, e -> {
          assertThat(e.isTransient()).isTrue();
          // RFC 5248's X.7.10 encryption needed, our reason: the server said nothing against it.
          assertThat(e.status().action()).isEqualTo(Action.DELAYED);
          assertThat(e.status().status()).isEqualTo(EnhancedStatus.of(4, 7, 10));
          assertThat(e.status().diagnostic()).isInstanceOf(Diagnostic.LocalReason.class);
          assertThat(e.status().remoteMta()).contains(localhost(greenMailAddress()));
        })
        .hasMessageContaining("does not offer STARTTLS, which TLS policy REQUIRE requires");
  }

  @Test
  void credentialsAreNeverSentWithoutTls() {
    String password = "plaintext would leak this 9";
    assertThatThrownBy(() -> OutboundSession.open(greenMailAddress(), "localhost", "out.client.example",
        TlsPolicy.OPPORTUNISTIC, Optional.of(new SmtpCredentials("a@greenmail.test", password.toCharArray())), SHORT,
        Optional.empty()))
        .isInstanceOfSatisfying(OutboundException.class, e -> {
          assertThat(e.isTransient()).isTrue();
          assertThat(e.status().status()).isEqualTo(EnhancedStatus.of(4, 7, 10));
          assertThat(e.status().diagnostic()).isInstanceOf(Diagnostic.LocalReason.class);
          assertThat(e.status().toString()).doesNotContain(password);
        })
        .hasMessageContaining("refusing to send credentials")
        .hasMessageNotContaining(password);
  }

  @Test
  void a421GreetingIsATransientFailure() throws Exception {
    try (FakeSmtpServer fake = new FakeSmtpServer(peer -> peer.reply("421 4.3.2 mx.example busy, try later"))) {
      assertThatThrownBy(() -> open(fake.address(), TlsPolicy.OPPORTUNISTIC))
          .isInstanceOfSatisfying(OutboundException.class, e -> {
            assertThat(e.isTransient()).isTrue();
            assertThat(e.status()).isEqualTo(new DeliveryStatus(Action.DELAYED, EnhancedStatus.of(4, 3, 2),
                new Diagnostic.RemoteReply(421, "4.3.2 mx.example busy, try later"), Optional.of(localhost(fake.address()))));
          });
      assertThat(fake.received()).isEmpty();
    }
  }

  @Test
  void a554GreetingIsPermanent() throws Exception {
    try (FakeSmtpServer fake = new FakeSmtpServer(peer -> peer.reply("554 no service here"))) {
      assertThatThrownBy(() -> open(fake.address(), TlsPolicy.OPPORTUNISTIC))
          .isInstanceOfSatisfying(OutboundException.class, e -> {
            assertThat(e.isTransient()).isFalse();
            // No enhanced status in the reply: the class's own, 5.0.0.
            assertThat(e.status()).isEqualTo(new DeliveryStatus(Action.FAILED, EnhancedStatus.of(5, 0, 0),
                new Diagnostic.RemoteReply(554, "no service here"), Optional.of(localhost(fake.address()))));
          });
    }
  }

  @Test
  void aPositiveGreetingOtherThan220DeliversNothingAndDefers() throws Exception {
    // RFC 5321 §4.3.2: the greeting is 220; a 250 here is out of place, not a delivery (X.5.0).
    try (FakeSmtpServer fake = new FakeSmtpServer(peer -> peer.reply("250 2.0.0 hello?"))) {
      assertThatThrownBy(() -> open(fake.address(), TlsPolicy.OPPORTUNISTIC))
          .isInstanceOfSatisfying(OutboundException.class, e -> {
            assertThat(e.isTransient()).isTrue();
            assertThat(e.status().action()).isEqualTo(Action.DELAYED);
            assertThat(e.status().status()).isEqualTo(EnhancedStatus.of(4, 5, 0));
            assertThat(e.status().diagnostic()).isEqualTo(new Diagnostic.RemoteReply(250, "2.0.0 hello?"));
          });
    }
  }

  @Test
  void silenceAfterConnectingTimesOut() throws Exception {
    var quick = new OutboundSession.Timeouts(Duration.ofSeconds(5), Duration.ofMillis(200), Duration.ofSeconds(5),
        Duration.ofSeconds(5), Duration.ofSeconds(5));
    try (FakeSmtpServer fake = new FakeSmtpServer(peer -> peer.line())) {
      assertThatThrownBy(() -> OutboundSession.open(fake.address(), "localhost", "out.client.example",
          TlsPolicy.OPPORTUNISTIC, Optional.empty(), quick, Optional.empty()))
          .isInstanceOfSatisfying(OutboundException.class, e -> {
            assertThat(e.isTransient()).isTrue();
            // X.4.2 bad connection, in our words: the server said nothing.
            assertThat(e.status().status()).isEqualTo(EnhancedStatus.of(4, 4, 2));
            assertThat(e.status().diagnostic()).isInstanceOf(Diagnostic.LocalReason.class);
            assertThat(e.status().remoteMta()).contains(localhost(fake.address()));
          })
          .hasMessageContaining("no reply to the greeting within PT0.2S");
    }
  }

  @Test
  void heloFallbackWithoutPipeliningStepsThroughTheTransaction() throws Exception {
    try (FakeSmtpServer fake = new FakeSmtpServer(peer -> {
      peer.reply("220 old.example ready");
      peer.line(); // EHLO
      peer.reply("500 5.5.1 what is EHLO");
      peer.line(); // HELO
      peer.reply("250 old.example");
      peer.line(); // MAIL
      peer.reply("250 ok");
      peer.line(); // RCPT 1
      peer.reply("550 5.1.1 no such user");
      peer.line(); // RCPT 2
      peer.reply("451 4.3.0 try later");
      peer.line(); // RCPT 3
      peer.reply("250 ok");
      peer.line(); // DATA
      peer.reply("354 go ahead");
      peer.data();
      peer.reply("250-2.0.0 queued", "250 2.0.0 as 1234");
      peer.line(); // RSET
      peer.reply("250 ok");
      peer.line(); // MAIL
      peer.reply("452 4.3.1 out of space");
      peer.line(); // QUIT
      peer.reply("221 bye");
    })) {
      try (OutboundSession session = open(fake.address(), TlsPolicy.OPPORTUNISTIC)) {
        assertThat(session.extensions()).isEmpty();
        List<Attempt> attempts = session.send(new Outbound("a@client.example",
            List.of("gone@old.example", "busy@old.example", "ok@old.example"),
            "Subject: hi\r\n\r\n.\r\nbody".getBytes(StandardCharsets.US_ASCII), false, false, Optional.of("id-1")));
        Optional<DeliveryStatus.RemoteMta> old = Optional.of(localhost(fake.address()));
        assertThat(attempts.get(0).status()).isEqualTo(new DeliveryStatus(Action.FAILED, EnhancedStatus.of(5, 1, 1),
            new Diagnostic.RemoteReply(550, "5.1.1 no such user"), old));
        assertThat(attempts.get(1).status()).isEqualTo(new DeliveryStatus(Action.DELAYED, EnhancedStatus.of(4, 3, 0),
            new Diagnostic.RemoteReply(451, "4.3.0 try later"), old));
        // RFC 2034 §4: the status once, the text of both lines.
        assertThat(attempts.get(2).status()).isEqualTo(new DeliveryStatus(Action.DELIVERED, EnhancedStatus.of(2, 0, 0),
            new Diagnostic.RemoteReply(250, "2.0.0 queued as 1234"), old));
        assertThat(attempts.get(2).status().diagnostic().field()).isEqualTo("smtp; 250 2.0.0 queued as 1234");

        List<Attempt> second = session.send(new Outbound("a@client.example", List.of("x@old.example", "y@old.example"),
            "Subject: again\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII), false, false, Optional.empty()));
        // The refused MAIL FROM decides both.
        assertThat(second).hasSize(2).allSatisfy(a -> assertThat(a.status()).isEqualTo(new DeliveryStatus(Action.DELAYED,
            EnhancedStatus.of(4, 3, 1), new Diagnostic.RemoteReply(452, "4.3.1 out of space"), old)));
      }
      assertThat(fake.received()).containsExactly(
          "EHLO out.client.example",
          "HELO out.client.example",
          "MAIL FROM:<a@client.example>", // no extensions after HELO: no SIZE, no ENVID
          "RCPT TO:<gone@old.example>",
          "RCPT TO:<busy@old.example>",
          "RCPT TO:<ok@old.example>",
          "DATA",
          "Subject: hi",
          "",
          "..",
          "body",
          ".",
          "RSET",
          "MAIL FROM:<a@client.example>",
          "QUIT");
    }
  }

  @Test
  void repliesOutOfPlaceDeliverNothingAndDefer() throws Exception {
    // RFC 5321 §4.3.2: RCPT is answered 2yz/4yz/5yz and DATA 354; a 354 to RCPT or a 250 to DATA
    // means the server is out of step (X.5.0), and nothing was delivered.
    try (FakeSmtpServer fake = new FakeSmtpServer(peer -> {
      peer.reply("220 odd.example ready");
      peer.line(); // EHLO
      peer.reply("250 odd.example");
      peer.line(); // MAIL
      peer.reply("250 ok");
      peer.line(); // RCPT 1
      peer.reply("354 go ahead?");
      peer.line(); // RCPT 2
      peer.reply("250 ok");
      peer.line(); // DATA
      peer.reply("250 2.0.0 done already");
      peer.line(); // QUIT
      peer.reply("221 bye");
    })) {
      try (OutboundSession session = open(fake.address(), TlsPolicy.OPPORTUNISTIC)) {
        List<Attempt> attempts = session.send(new Outbound("a@client.example", List.of("x@odd.example", "y@odd.example"),
            "Subject: x\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII), false, false, Optional.empty()));
        Optional<DeliveryStatus.RemoteMta> odd = Optional.of(localhost(fake.address()));
        assertThat(attempts.get(0).status()).isEqualTo(new DeliveryStatus(Action.DELAYED, EnhancedStatus.of(4, 5, 0),
            new Diagnostic.RemoteReply(354, "go ahead?"), odd));
        assertThat(attempts.get(1).status()).isEqualTo(new DeliveryStatus(Action.DELAYED, EnhancedStatus.of(4, 5, 0),
            new Diagnostic.RemoteReply(250, "2.0.0 done already"), odd));
      }
      assertThat(fake.received()).containsExactly("EHLO out.client.example", "MAIL FROM:<a@client.example>",
          "RCPT TO:<x@odd.example>", "RCPT TO:<y@odd.example>", "DATA", "QUIT");
    }
  }

  @Test
  void pipelinedGroupIsOneWriteAndADroppedConnectionDefersTheUndecided() throws Exception {
    try (FakeSmtpServer fake = new FakeSmtpServer(peer -> {
      peer.reply("220 pipe.example ready");
      peer.line();
      peer.reply("250-pipe.example", "250-PIPELINING", "250-SIZE 1000000", "250-DSN", "250 ENHANCEDSTATUSCODES");
      // The whole group must be there before any reply is sent: read it all, then answer.
      for (int i = 0; i < 4; i++) {
        peer.line();
      }
      peer.reply("250 2.1.0 ok", "550 5.1.1 unknown", "250 2.1.5 ok", "354 go ahead");
      // Hang up in the middle of the content.
      peer.line();
    })) {
      OutboundSession session = open(fake.address(), TlsPolicy.OPPORTUNISTIC);
      List<Attempt> attempts = session.send(new Outbound("a@client.example", List.of("bad@pipe.example", "good@pipe.example"),
          "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII), false, false, Optional.of("env id+1")));
      assertThat(attempts.get(0).status().action()).isEqualTo(Action.FAILED);
      assertThat(attempts.get(0).status().status()).isEqualTo(EnhancedStatus.of(5, 1, 1));
      assertThat(attempts.get(0).status().diagnostic()).isEqualTo(new Diagnostic.RemoteReply(550, "5.1.1 unknown"));
      assertThat(attempts.get(1).status()).satisfies(d -> {
        // X.4.2 bad connection: no reply, our own account of the lost connection, at the server it was lost to.
        assertThat(d.action()).isEqualTo(Action.DELAYED);
        assertThat(d.status()).isEqualTo(EnhancedStatus.of(4, 4, 2));
        assertThat(d.diagnostic()).isInstanceOfSatisfying(Diagnostic.LocalReason.class,
            r -> assertThat(r.text()).contains("localhost[127.0.0.1]").contains("end of data"));
        assertThat(d.remoteMta()).contains(localhost(fake.address()));
      });
      assertThatThrownBy(() -> session.send(new Outbound("a@client.example", List.of("good@pipe.example"),
          new byte[0], false, false, Optional.empty())))
          .isInstanceOfSatisfying(OutboundException.class, e -> {
            assertThat(e.isTransient()).isTrue();
            assertThat(e.status().status()).isEqualTo(EnhancedStatus.of(4, 4, 2));
          })
          .hasMessageContaining("broken");
      session.close();
      assertThat(fake.received()).startsWith(
          "EHLO out.client.example",
          "MAIL FROM:<a@client.example> SIZE=20 ENVID=env+20id+2B1",
          "RCPT TO:<bad@pipe.example>",
          "RCPT TO:<good@pipe.example>",
          "DATA");
    }
  }

  @Test
  void dsnParametersGoOnlyToAServerThatOffersDsn() throws Exception {
    for (boolean offersDsn : new boolean[] {true, false}) {
      try (FakeSmtpServer fake = new FakeSmtpServer(peer -> {
        peer.reply("220 dsn.example ready");
        peer.line();
        if (offersDsn) {
          peer.reply("250-dsn.example", "250-PIPELINING", "250 DSN");
        } else {
          peer.reply("250-dsn.example", "250 PIPELINING");
        }
        for (int i = 0; i < 4; i++) {
          peer.line();
        }
        peer.reply("250 ok", "250 ok", "250 ok", "354 go ahead");
        peer.data();
        peer.reply("250 2.0.0 queued");
        peer.line(); // QUIT
        peer.reply("221 bye");
      })) {
        try (OutboundSession session = open(fake.address(), TlsPolicy.OPPORTUNISTIC)) {
          List<Attempt> attempts = session.send(new Outbound("a@client.example", List.of("b@dsn.example", "c@dsn.example"),
              "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII), false, false, Optional.of("E1"),
              Optional.of(dev.hikyaku.protocol.Ret.HDRS),
              List.of(dev.hikyaku.protocol.RcptParams.parse("NOTIFY=SUCCESS ORCPT=rfc822;b+2Bx@dsn.example"),
                  dev.hikyaku.protocol.RcptParams.NONE)));
          assertThat(attempts).allSatisfy(a -> assertThat(a.status().action()).isEqualTo(Action.DELIVERED));
        }
        // RFC 3461 §5.2.1 / RFC 5321 §4.1.1.11: parameters only for an extension the server offered.
        assertThat(fake.received()).as("offers DSN: " + offersDsn).startsWith(
            "EHLO out.client.example",
            offersDsn ? "MAIL FROM:<a@client.example> ENVID=E1 RET=HDRS" : "MAIL FROM:<a@client.example>",
            offersDsn ? "RCPT TO:<b@dsn.example> NOTIFY=SUCCESS ORCPT=rfc822;b+2Bx@dsn.example" : "RCPT TO:<b@dsn.example>",
            "RCPT TO:<c@dsn.example>",
            "DATA");
      }
    }
  }

  @Test
  void smtpUtf8ToAServerWithoutItFails() throws Exception {
    try (FakeSmtpServer fake = new FakeSmtpServer(peer -> {
      peer.reply("220 ascii.example");
      peer.line();
      peer.reply("250-ascii.example", "250 8BITMIME");
      peer.line();
      peer.reply("221 bye");
    })) {
      try (OutboundSession session = open(fake.address(), TlsPolicy.OPPORTUNISTIC)) {
        assertThat(session.send(new Outbound("a@client.example", List.of("ユーザー@ascii.example"),
            "Subject: x\r\n\r\nx\r\n".getBytes(StandardCharsets.UTF_8), true, true, Optional.empty())))
            .singleElement()
            .satisfies(f -> {
              assertThat(f.status().action()).isEqualTo(Action.FAILED);
              assertThat(f.status().status()).isEqualTo(EnhancedStatus.of(5, 6, 7));
              assertThat(f.status().diagnostic()).isInstanceOfSatisfying(Diagnostic.LocalReason.class,
                  r -> assertThat(r.text()).contains("RFC 6531 §3.5"));
              assertThat(f.status().diagnostic().field()).startsWith("X-Hikyaku; ");
              assertThat(f.status().remoteMta()).contains(localhost(fake.address()));
            });
      }
      assertThat(fake.received()).containsExactly("EHLO out.client.example", "QUIT");
    }
  }
}
