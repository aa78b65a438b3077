package dev.hikyaku.bench.jmh;

import dev.hikyaku.auth.Principal;
import dev.hikyaku.events.Events;
import dev.hikyaku.intake.DkimSigning;
import dev.hikyaku.intake.InboundAuthentication;
import dev.hikyaku.intake.MessageIntake;
import dev.hikyaku.intake.MessageSource;
import dev.hikyaku.intake.StorageGuard;
import dev.hikyaku.mailauth.DkimAlgorithm;
import dev.hikyaku.mailauth.DkimKey;
import dev.hikyaku.mailauth.DkimKeys;
import dev.hikyaku.mailauth.DkimSigner;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.policy.SenderRegistry;
import dev.hikyaku.protocol.DataReader;
import dev.hikyaku.protocol.Envelope;
import dev.hikyaku.protocol.ForwardPath;
import dev.hikyaku.protocol.MailParams;
import dev.hikyaku.protocol.Mailbox;
import dev.hikyaku.protocol.RcptParams;
import dev.hikyaku.protocol.ReversePath;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Intake per message on submission (issue 15 point 2), apart from the fsync: an authenticated
 * sender's message without Date or Message-ID (so the fix-ups add both), whose From: the account
 * owns, signed with an Ed25519 key of its domain (RSA would add a constant ~1 ms of signing that
 * hides what intake itself costs), with the Received field on top; the result is the octets the
 * store binds for its insert ({@code NewMessage.content}).
 *
 * <p>{@code intake} starts from the content as a byte array (the HTTP API's path); {@code
 * dataThenIntake} starts from the DATA stream and goes through {@link DataReader} first, as an
 * SMTP session does ({@code dataWithSizeThenIntake}: with a declared SIZE). Run with {@code -prof gc} for the allocation per message (B/op): the figure
 * this benchmark is for, with the time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class IntakeBenchmark {

  @Param({"4096", "1048576"})
  public int size;

  private MessageIntake intake;
  private MessageSource.Smtp source;
  private Envelope envelope;
  private byte[] content;
  private byte[] data;

  @Setup
  public void setUp() throws Exception {
    StringBuilder text = new StringBuilder("From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: Quarterly figures\r\n"
        + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
    while (text.length() < size) {
      text.append("A line of the body, as a mail client writes it, with  some   spacing.\r\n");
    }
    content = text.toString().getBytes(StandardCharsets.UTF_8);
    data = (text + ".\r\n").getBytes(StandardCharsets.UTF_8); // no line starts with '.': nothing to stuff
    DkimKey key = DkimKeys.of("example.com", "e", DkimAlgorithm.ED25519_SHA256, DkimAlgorithm.ED25519_SHA256.generate());
    SenderRegistry owned = new SenderRegistry() {
      @Override
      public Ownership ownership(String account, String address) {
        return Ownership.OWNED;
      }

      @Override
      public FromHeaderAction fromHeaderAction(String account) {
        return FromHeaderAction.REJECT;
      }
    };
    Clock clock = Clock.systemUTC();
    intake = new MessageIntake("mx.example.com", null, owned, clock, new SplittableRandom(1), new Events(List.of()),
        StorageGuard.NONE, new DkimSigning(new DkimSigner(clock), domain -> List.of(key)), InboundAuthentication.NONE);
    source = new MessageSource.Smtp("s1", "submission", ListenerRole.SUBMISSION, new InetSocketAddress("192.0.2.10", 40000),
        "client.example.net", true, Optional.empty(), Optional.of(new Principal("alice@example.com")));
    envelope = new Envelope(
        new ReversePath(Optional.of(new Mailbox("alice", "example.com", false))), MailParams.NONE,
        List.of(new Envelope.Recipient(ForwardPath.of("bob@example.net"), RcptParams.NONE)));
  }

  @Benchmark
  public byte[] intake() throws Exception {
    return stored(intake.prepare(source, envelope, content));
  }

  @Benchmark
  public byte[] dataThenIntake() throws Exception {
    DataReader reader = DataReader.forData(64L << 20);
    reader.feed(data, 0, data.length);
    return stored(intake.prepare(source, envelope, reader.content()));
  }

  /**
   * As {@code dataThenIntake}, for a client that declared the message's size at MAIL (RFC 1870
   * SIZE, as Postfix does): the reader's first block is then that size.
   */
  @Benchmark
  public byte[] dataWithSizeThenIntake() throws Exception {
    DataReader reader = DataReader.forData(64L << 20, content.length);
    reader.feed(data, 0, data.length);
    return stored(intake.prepare(source, envelope, reader.content()));
  }

  /** The octets the store's insert binds (GroupCommitWriter), as it gets them from the message. */
  private static byte[] stored(MessageIntake.Prepared prepared) {
    return switch (prepared) {
      case MessageIntake.Prepared.Ready ready -> ready.message().content();
      case MessageIntake.Prepared.Refused refused -> throw new IllegalStateException(refused.refusal().reason());
    };
  }
}
