package dev.hikyaku.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.auth.Principal;
import dev.hikyaku.events.Events;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.protocol.Envelope;
import dev.hikyaku.protocol.ForwardPath;
import dev.hikyaku.protocol.MailParams;
import dev.hikyaku.protocol.Mailbox;
import dev.hikyaku.protocol.RcptParams;
import dev.hikyaku.protocol.ReversePath;
import dev.hikyaku.store.AcceptedHeaders;
import dev.hikyaku.store.HistoryMessage;
import dev.hikyaku.store.Store;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Intake hands the message history the header fields the message is queued with (issue 11, item 4). */
class MessageIntakeHistoryTest {

  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-05-01T09:00:00Z"), ZoneOffset.UTC);

  @TempDir Path data;

  private static Envelope envelope(String from, String to) {
    int at = from.indexOf('@');
    return new Envelope(
        new ReversePath(Optional.of(new Mailbox(from.substring(0, at), from.substring(at + 1), false))),
        MailParams.NONE,
        List.of(new Envelope.Recipient(ForwardPath.of(to), RcptParams.NONE)));
  }

  private static MessageSource.Smtp source(String listener, ListenerRole role, Optional<Principal> principal) {
    return new MessageSource.Smtp("s1", listener, role, new InetSocketAddress("192.0.2.7", 40000), "client.example",
        true, Optional.empty(), principal);
  }

  private static HistoryMessage accepted(Store store, MessageSource.Smtp source, String content) throws Exception {
    MessageIntake intake = new MessageIntake("mx.hikyaku.test", store.queue(), OwnsEverything.SENDERS, CLOCK,
        new SplittableRandom(3), new Events(List.of()), StorageGuard.NONE, DkimSigning.NONE, InboundAuthentication.NONE);
    IntakeResult result = intake.accept(source, envelope("alice@example.org", "bob@example.net"),
        content.getBytes(StandardCharsets.UTF_8));
    var id = ((IntakeResult.Queued) result).id();
    return store.history().show(id).orElseThrow().message();
  }

  @Test
  void relayedMessageKeepsItsFieldsUnfolded() throws Exception {
    try (Store store = Store.openSqlite(data, CLOCK)) {
      HistoryMessage message = accepted(store, source("relay", ListenerRole.RELAY, Optional.empty()),
          "From: Alice\r\n <alice@example.org>\r\nsubject: Quarterly\r\n\treport\r\nMESSAGE-ID: <q4@example.org>\r\n"
              + "Subject: a second one\r\n\r\nSubject: in the body\r\n");
      assertThat(message.headers()).isEqualTo(new AcceptedHeaders(
          Optional.of("<q4@example.org>"), Optional.of("Quarterly\treport"), Optional.of("Alice <alice@example.org>")));
      assertThat(message.listener()).isEqualTo("relay");
      assertThat(message.clientAddress()).isEqualTo("192.0.2.7");
      assertThat(message.principal()).isEmpty();
    }
  }

  @Test
  void submissionRecordsTheMessageIdIntakeAdded() throws Exception {
    try (Store store = Store.openSqlite(data, CLOCK)) {
      HistoryMessage message = accepted(store,
          source("submission", ListenerRole.SUBMISSION, Optional.of(new Principal("alice@example.org"))),
          "From: alice@example.org\r\n\r\nno subject\r\n");
      // RFC 6409 §8.3: the Message-ID the fix-ups added is the one the message travels with.
      assertThat(message.headers().messageId()).hasValueSatisfying(id -> assertThat(id).endsWith("@mx.hikyaku.test>"));
      assertThat(message.headers().subject()).isEmpty();
      assertThat(message.principal()).contains("alice@example.org");
    }
  }
}
