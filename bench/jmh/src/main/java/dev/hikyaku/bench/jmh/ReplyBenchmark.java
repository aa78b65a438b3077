package dev.hikyaku.bench.jmh;

import dev.hikyaku.intake.MessageSource;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.net.TlsFacts;
import dev.hikyaku.protocol.Command;
import dev.hikyaku.protocol.CommandParser;
import dev.hikyaku.protocol.Envelope;
import dev.hikyaku.protocol.Extension;
import dev.hikyaku.protocol.Parse;
import dev.hikyaku.protocol.Replies;
import dev.hikyaku.protocol.Reply;
import dev.hikyaku.auth.Principal;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Header handling: {@link Reply#toBytes} for the replies of every transaction (250 queued, 354) and
 * for a full EHLO reply, and the Received header intake prepends to every message. {@code
 * ReceivedHeader} is package-private in {@code dev.hikyaku.intake}; on the class path (one unnamed
 * module) a private lookup reaches it without changing the server.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ReplyBenchmark {

  private Reply queued;
  private Reply startMailInput;
  private Reply ehlo;
  private MethodHandle receivedHeader;
  private MessageSource.Smtp source;
  private Envelope envelope;
  private final Instant at = Instant.parse("2024-01-01T00:00:00Z");

  @Setup
  public void build() throws ReflectiveOperationException {
    queued = Replies.queued("01HQ3ZK5X8Y7W6VT");
    startMailInput = Replies.startMailInput();
    ehlo = Replies.ehlo("mail.example.com", "client.example.net", List.of("PIPELINING", "SIZE 36700160", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8", "CHUNKING", "AUTH SCRAM-SHA-256 PLAIN LOGIN"));
    Class<?> type = Class.forName("dev.hikyaku.intake.ReceivedHeader");
    receivedHeader =
        MethodHandles.privateLookupIn(type, MethodHandles.lookup())
            .findStatic(type, "of", MethodType.methodType(byte[].class, MessageSource.Smtp.class, String.class, String.class, Envelope.class, Instant.class));
    source =
        new MessageSource.Smtp(
            "session-1",
            "submission",
            ListenerRole.SUBMISSION,
            new InetSocketAddress("192.0.2.10", 50123),
            "client.example.net",
            true,
            Optional.of(new TlsFacts("TLSv1.3", "TLS_AES_256_GCM_SHA384")),
            Optional.of(new Principal("user@example.com")));
    var extensions = EnumSet.allOf(Extension.class);
    Command.Mail mail = (Command.Mail) ((Parse.Valid) CommandParser.parse("MAIL FROM:<user@example.com>", extensions)).command();
    Command.Rcpt rcpt = (Command.Rcpt) ((Parse.Valid) CommandParser.parse("RCPT TO:<friend@example.org>", extensions)).command();
    envelope = new Envelope(mail.from(), mail.params(), List.of(new Envelope.Recipient(rcpt.to(), rcpt.params())));
    receivedHeader(); // fail in setup, not in the first measured call, if the signature moved
  }

  @Benchmark
  public byte[] queuedToBytes() {
    return queued.toBytes();
  }

  @Benchmark
  public byte[] startMailInputToBytes() {
    return startMailInput.toBytes();
  }

  @Benchmark
  public byte[] ehloToBytes() {
    return ehlo.toBytes();
  }

  @Benchmark
  public byte[] receivedHeader() {
    try {
      return (byte[]) receivedHeader.invokeExact(source, "mail.example.com", "01HQ3ZK5X8Y7W6VT", envelope, at);
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }
}
