package dev.hikyaku.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.auth.Principal;
import dev.hikyaku.events.Events;
import dev.hikyaku.mailauth.DkimAlgorithm;
import dev.hikyaku.mailauth.DkimKey;
import dev.hikyaku.mailauth.DkimKeys;
import dev.hikyaku.mailauth.DkimSigner;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.policy.SenderRegistry;
import dev.hikyaku.protocol.Envelope;
import dev.hikyaku.protocol.ForwardPath;
import dev.hikyaku.protocol.MailParams;
import dev.hikyaku.protocol.Mailbox;
import dev.hikyaku.protocol.RcptParams;
import dev.hikyaku.protocol.ReversePath;
import dev.hikyaku.store.NewMessage;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The octets intake stores, pinned (issue 15 point 2): the SHA-256 of what the store is handed for
 * messages that take each path (Sender: added, fix-ups, DKIM with a fixed Ed25519 key and clock,
 * the API's Received field, relay), recorded from the intake that copied the whole message once per
 * added field. Building the message from prepended segments must leave every octet as it was, the
 * DKIM-Signature included (Ed25519 signatures are deterministic, RFC 8032 §5.1.6).
 */
class StoredOctetsTest {

  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-05-01T09:00:00Z"), ZoneOffset.UTC);

  private static final String BODY = "Hello,\r\n\r\n  two  spaces \t and a tab \r\n\r\n\r\n";

  private static DkimKey key() throws Exception {
    SecureRandom seeded = SecureRandom.getInstance("SHA1PRNG");
    seeded.setSeed(15);
    KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
    generator.initialize(NamedParameterSpec.ED25519, seeded);
    return DkimKeys.of("example.org", "s15", DkimAlgorithm.ED25519_SHA256, generator.generateKeyPair());
  }

  private static SenderRegistry registry(SenderRegistry.Ownership ownership, SenderRegistry.FromHeaderAction action) {
    return new SenderRegistry() {
      @Override
      public Ownership ownership(String account, String address) {
        return ownership;
      }

      @Override
      public FromHeaderAction fromHeaderAction(String account) {
        return action;
      }
    };
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "fix-ups and DKIM|submission|OWNED|From: Alice <alice@example.org>\\r\\nTo: bob@example.net\\r\\nSubject: hi\\r\\n\\r\\n|e4f48a8cab27dc32cfa5b7ba9858b679b42e4e6cdfcbf3d1017275776323b70f",
      "Sender added|submission|NOT_OWNED|From: Carol <carol@example.org>\\r\\nTo: bob@example.net\\r\\n\\r\\n|adf166838a532f513ca49e8dbfb3d2a5de65f114d9002f7d5adc630d582de772",
      "complete header|submission|OWNED|From: alice@example.org\\r\\nDate: Fri, 1 May 2026 08:00:00 +0000\\r\\nMessage-ID: <m1@example.org>\\r\\n\\r\\n|12e88f3f25306bf3e7584ec6a01d104fdb8d4370542d6d4cd8073967a124c12d",
      "folded From, unsigned domain|submission|OWNED|From: Alice\\r\\n <alice@example.com>\\r\\nSubject: folded\\r\\n\\tsubject\\r\\n\\r\\n|403f82cb9777dba298b0235a33630b846c92d853c2265d0101d0fa8da3eb92b4",
      "API|api|OWNED|From: alice@example.org\\r\\nTo: bob@example.net\\r\\n\\r\\n|90e560629a60e47b55c508f121343c0c0f31b2d74683d2641c928cae122aa08d",
      "relay|relay|OWNED|From: someone@example.net\\r\\n\\r\\n|0636dc9f166b9ea5b4b07366c7f2dadf5429307abd0eca1cfb08af70fa3c3b09",
      "no body|submission|OWNED|From: alice@example.org\\r\\nSubject: no body|42a003849e4bd7a3b4182e43c257fd97d5dae7a06df1f8c258c739425e787273",
  })
  void storedOctetsAreAsBefore(String name, String path, String ownership, String header, String sha256) throws Exception {
    String content = (header.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t"))
        + (header.endsWith("\\r\\n\\r\\n") ? BODY : "");
    DkimKey key = key();
    MessageIntake intake = new MessageIntake("mx.hikyaku.test", null,
        registry(SenderRegistry.Ownership.valueOf(ownership), SenderRegistry.FromHeaderAction.ADD_SENDER), CLOCK,
        new SplittableRandom(15), new Events(List.of()), StorageGuard.NONE,
        new DkimSigning(new DkimSigner(CLOCK), domain -> domain.equals("example.org") ? List.of(key) : List.of()),
        InboundAuthentication.NONE);
    Envelope envelope = new Envelope(
        new ReversePath(Optional.of(new Mailbox("alice", "example.org", false))), MailParams.NONE,
        List.of(new Envelope.Recipient(ForwardPath.of("bob@example.net"), RcptParams.NONE)));
    Principal alice = new Principal("alice@example.org");
    MessageSource source = switch (path) {
      case "api" -> new MessageSource.Api(
          new Principal("alice@example.org", Optional.of("k1"), List.of(), dev.hikyaku.store.ApiKey.Limits.NONE),
          InetAddress.getByName("192.0.2.8"), true);
      case "relay" -> new MessageSource.Smtp("s1", "relay", ListenerRole.RELAY, new InetSocketAddress("192.0.2.7", 40000),
          "client.example", true, Optional.empty(), Optional.empty());
      default -> new MessageSource.Smtp("s1", "submission", ListenerRole.SUBMISSION, new InetSocketAddress("192.0.2.7", 40000),
          "client.example", true, Optional.empty(), Optional.of(alice));
    };
    var prepared = intake.prepare(source, envelope, content.getBytes(StandardCharsets.UTF_8));
    NewMessage message = ((MessageIntake.Prepared.Ready) prepared).message();
    byte[] stored = message.content();
    assertThat(message.size()).isEqualTo(stored.length);
    assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(stored))).isEqualTo(sha256);
  }
}
