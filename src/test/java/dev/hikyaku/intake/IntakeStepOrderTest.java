package dev.hikyaku.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.auth.Principal;
import dev.hikyaku.dns.DnsResolver;
import dev.hikyaku.dns.Lookup;
import dev.hikyaku.events.Events;
import dev.hikyaku.mailauth.DkimAlgorithm;
import dev.hikyaku.mailauth.DkimKeys;
import dev.hikyaku.mailauth.DkimSigner;
import dev.hikyaku.mailauth.InboundChecks;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.protocol.Envelope;
import dev.hikyaku.protocol.ForwardPath;
import dev.hikyaku.protocol.MailParams;
import dev.hikyaku.protocol.Mailbox;
import dev.hikyaku.protocol.RcptParams;
import dev.hikyaku.protocol.ReversePath;
import dev.hikyaku.store.QueuedRecipient;
import dev.hikyaku.store.Store;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order of intake's steps, seen in what it queues: fields go on top of the message as received,
 * each step's above the one before (submission: From: check, fix-ups, DKIM signature; port 25:
 * results forged under our name removed, ours added), the Received trace field on top of all
 * (RFC 5321 §4.4); a recipient given twice is queued once; only DSNs may use the free-space headroom.
 */
class IntakeStepOrderTest {

  private static final String HOSTNAME = "mx.hikyaku.test";
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-05-01T09:00:00Z"), ZoneOffset.UTC);
  /** No domain has any record: SPF, DKIM and DMARC all find none, and say so. */
  private static final DnsResolver NO_RECORDS = new DnsResolver() {
    @Override
    public Lookup<List<dev.hikyaku.dns.MxRecord>> mx(String domain) {
      return new Lookup.NxDomain<>();
    }

    @Override
    public Lookup<List<java.net.InetAddress>> addresses(String host) {
      return new Lookup.NxDomain<>();
    }

    @Override
    public Lookup<List<String>> txt(String name) {
      return new Lookup.NxDomain<>();
    }
  };

  @TempDir Path data;
  private Store store;
  /** Octets the queue's file system has left; the headroom is 1,000. */
  private final AtomicLong space = new AtomicLong(Long.MAX_VALUE);
  private MessageIntake intake;

  @BeforeEach
  void openIntake() throws Exception {
    store = Store.openSqlite(data, CLOCK);
    var key = DkimKeys.of("example.org", "s1", DkimAlgorithm.ED25519_SHA256, DkimAlgorithm.ED25519_SHA256.generate());
    intake = new MessageIntake(HOSTNAME, store.queue(), OwnsEverything.SENDERS, CLOCK, new SplittableRandom(7), new Events(List.of()),
        new StorageGuard(wanted -> space.get(), 1_000),
        new DkimSigning(new DkimSigner(CLOCK), domain -> domain.equals("example.org") ? List.of(key) : List.of()),
        new InboundAuthentication(Optional.of(new InboundChecks(NO_RECORDS, CLOCK, HOSTNAME, Duration.ofSeconds(5))), false, false));
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  @Test
  void submissionSignsAfterTheFixUpsAndTracesAboveTheSignature() throws Exception {
    String stored = queuedContent(intake.accept(
        source("submission", ListenerRole.SUBMISSION, Optional.of(new Principal("alice@example.org"))),
        envelope("bob@example.net"), bytes("From: alice@example.org\r\nSubject: hi\r\n\r\nbody\r\n")));
    assertThat(fieldNames(stored))
        .containsExactly("Received", "DKIM-Signature", "Date", "Message-ID", "From", "Subject");
    // Signed after the fix-ups: the Date and Message-ID intake added are covered by the signature.
    assertThat(field(stored, "DKIM-Signature").replaceAll("\\s", "")).containsPattern("h=[^;]*date[^;]*;")
        .containsPattern("h=[^;]*message-id[^;]*;");
    assertThat(stored).endsWith("\r\n\r\nbody\r\n");
  }

  @Test
  void port25ResultsReplaceForgedOnesBelowTheTraceAndNothingIsFixedUp() throws Exception {
    String stored = queuedContent(intake.accept(source("relay", ListenerRole.RELAY, Optional.empty()), envelope("bob@example.net"),
        bytes("Authentication-Results: " + HOSTNAME + "; dmarc=pass\r\nFrom: carol@example.com\r\n\r\nbody\r\n")));
    assertThat(fieldNames(stored)).containsExactly("Received", "Authentication-Results", "From");
    assertThat(field(stored, "Authentication-Results")).startsWith("Authentication-Results: " + HOSTNAME + ";")
        .doesNotContain("dmarc=pass");
  }

  @Test
  void aRecipientGivenTwiceIsQueuedOnceInFirstOrder() throws Exception {
    IntakeResult result = intake.accept(source("relay", ListenerRole.RELAY, Optional.empty()),
        envelope("bob@example.net", "carol@example.net", "bob@example.net", "\"bob\"@example.net"),
        bytes("From: carol@example.com\r\n\r\nbody\r\n"));
    assertThat(store.queueAdmin().find(((IntakeResult.Queued) result).id()).orElseThrow().recipients())
        .extracting(QueuedRecipient::forwardPath)
        .containsExactly("bob@example.net", "carol@example.net");
  }

  @Test
  void onlyBouncesMayUseTheHeadroom() throws Exception {
    space.set(1_500); // room for a small message, but not for it and the headroom of 1,000 too
    byte[] message = bytes("From: alice@example.org\r\n\r\n" + "x".repeat(600) + "\r\n");
    assertThatThrownBy(() -> intake.accept(source("relay", ListenerRole.RELAY, Optional.empty()), envelope("bob@example.net"), message))
        .isInstanceOf(IntakeException.class)
        .matches(e -> ((IntakeException) e).isStorageFull(), "is storage full");
    Envelope bounce = new Envelope(new ReversePath(Optional.empty()), MailParams.NONE,
        List.of(new Envelope.Recipient(ForwardPath.of("alice@example.org"), RcptParams.NONE)));
    String stored = queuedContent(intake.acceptBounce(new MessageSource.Bounce(HOSTNAME), bounce, message));
    // A DSN is neither fixed up, signed nor checked: only the trace field goes on top.
    assertThat(fieldNames(stored)).containsExactly("Received", "From");
  }

  private String queuedContent(IntakeResult result) throws Exception {
    assertThat(result).isInstanceOf(IntakeResult.Queued.class);
    byte[] content = store.queueAdmin().find(((IntakeResult.Queued) result).id()).orElseThrow().content();
    return new String(content, StandardCharsets.UTF_8);
  }

  /** The names of the header fields, top to bottom (continuation lines belong to the field above). */
  private static List<String> fieldNames(String message) {
    List<String> names = new ArrayList<>();
    for (String line : message.substring(0, message.indexOf("\r\n\r\n")).split("\r\n")) {
      if (!line.startsWith(" ") && !line.startsWith("\t")) {
        names.add(line.substring(0, line.indexOf(':')));
      }
    }
    return names;
  }

  /** The first field named {@code name}, unfolded. */
  private static String field(String message, String name) {
    String header = message.substring(0, message.indexOf("\r\n\r\n") + 2).replace("\r\n ", " ").replace("\r\n\t", "\t");
    return header.lines().filter(l -> l.startsWith(name + ":")).findFirst().orElseThrow();
  }

  private static MessageSource.Smtp source(String listener, ListenerRole role, Optional<Principal> principal) {
    return new MessageSource.Smtp("s1", listener, role, new InetSocketAddress("192.0.2.7", 40000), "client.example",
        true, Optional.empty(), principal);
  }

  private static Envelope envelope(String... recipients) {
    return new Envelope(
        new ReversePath(Optional.of(new Mailbox("alice", "example.org", false))),
        MailParams.NONE,
        java.util.Arrays.stream(recipients).map(to -> new Envelope.Recipient(ForwardPath.of(to), RcptParams.NONE)).toList());
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
