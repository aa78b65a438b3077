package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.AdminCommandLine;
import dev.hikyaku.app.Server;
import dev.hikyaku.mailauth.DkimAlgorithm;
import dev.hikyaku.mailauth.DkimKey;
import dev.hikyaku.mailauth.DkimKeys;
import dev.hikyaku.mailauth.DkimSigner;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.store.SigningKey;
import dev.hikyaku.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our DKIM signatures checked by dkimpy (Debian's python3-dkim), a verifier nobody here wrote,
 * through {@code interop/dkim_verify.py}: the key records it would fetch from DNS are handed to it
 * in a file. RSA-SHA256 and Ed25519-SHA256 (RFC 8463) side by side.
 */
@Tag("interop")
class DkimInteropTest {

  private static final String PASSWORD = "a pass phrase for the dkim test 77";

  @TempDir static Path scripts;
  private static Dkimpy dkimpy;
  private static Path signScript;

  @TempDir Path directory;

  @BeforeAll
  static void findVerifier() throws Exception {
    dkimpy = Dkimpy.install(scripts);
    signScript = Dkimpy.copy("dkim_sign.py", scripts);
  }

  /** Runs dkimpy over {@code message} with {@code keys}' records as its DNS. */
  private ExternalTool.Run verify(byte[] message, List<DkimKey> keys) throws Exception {
    return dkimpy.verify(directory, message, keys);
  }

  @Test
  void dkimpyAcceptsBothSignaturesOnAnAwkwardMessageAndRefusesATamperedOne() throws Exception {
    List<DkimKey> keys = List.of(
        DkimKeys.of("example.com", "hk-r", DkimAlgorithm.RSA_SHA256, DkimAlgorithm.RSA_SHA256.generate()),
        DkimKeys.of("example.com", "hk-e", DkimAlgorithm.ED25519_SHA256, DkimAlgorithm.ED25519_SHA256.generate()));
    // Folded fields, tabs, runs of spaces, two To fields, UTF-8 (RFC 6532), trailing empty lines.
    String text = "Received: from somewhere by here; Mon, 23 Nov 2026 04:00:00 +0000\r\n"
        + "From: \"Alice Example\" <alice@example.com>\r\n"
        + "To: bob@example.net\r\nTo:\tcarol@example.net\r\n"
        + "Subject: =?UTF-8?B?5pel5pys6Kqe?= and\r\n \t  a folded   line\r\n"
        + "Date: Mon, 23 Nov 2026 04:00:00 +0000\r\nMessage-ID: <dkim-1@example.com>\r\n"
        + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + "Gr\u00fc\u00dfe  aus  \u6771\u4eac \t\r\n\r\n.leading dot\r\nlast line\r\n\r\n\r\n";
    byte[] message = text.getBytes(StandardCharsets.UTF_8);
    byte[] signatures = new DkimSigner(Clock.systemUTC()).signatureFields(message, keys);
    byte[] signed = concat(signatures, message);

    ExternalTool.Run good = verify(signed, keys);
    assertThat(good.exitCode()).as(good.describe()).isZero();
    assertThat(good.stdout()).contains("a=rsa-sha256", "a=ed25519-sha256", "2 of 2 signatures verify");

    byte[] tampered = new String(signed, StandardCharsets.UTF_8).replace("last line", "last  line!").getBytes(StandardCharsets.UTF_8);
    ExternalTool.Run bad = verify(tampered, keys);
    assertThat(bad.exitCode()).as(bad.describe()).isEqualTo(1);
    assertThat(bad.stdout()).contains("0 of 2 signatures verify");
  }

  @ParameterizedTest
  @ValueSource(strings = {"relaxed/relaxed", "simple/simple"})
  void ourVerifierAcceptsWhatDkimpySignsAndRefusesItChanged(String canonicalization) throws Exception {
    String text = "From: Py Sender <py@py.example>\r\nTo: someone@hikyaku.test\r\nSubject: Re:  signed by dkimpy\r\n"
        + "Date: Mon, 23 Nov 2026 04:00:00 +0000\r\nMessage-ID: <py-1@py.example>\r\n\r\n"
        + "Hello  there, \r\n\r\nsecond paragraph\r\n\r\n";
    Path message = Files.writeString(directory.resolve("py-message.eml"), text, StandardCharsets.US_ASCII);
    Path signed = directory.resolve("py-signed.eml");
    Path records = directory.resolve("py-records.tsv");
    ExternalTool.Run run = dkimpy.python().run("-I", signScript.toString(), message.toString(), signed.toString(), records.toString(), canonicalization);
    assertThat(run.exitCode()).as(run.describe()).isZero();

    try (dev.hikyaku.dns.TestDnsServer dns = dev.hikyaku.dns.TestDnsServer.start()) {
      for (String line : Files.readAllLines(records)) {
        String[] record = line.split("\t", 2);
        dns.txt(record[0], record[1]);
      }
      dev.hikyaku.mailauth.DkimVerifier verifier = new dev.hikyaku.mailauth.DkimVerifier(
          new dev.hikyaku.dns.DnsjavaResolver(List.of(dns.address()), java.time.Duration.ofMillis(500), 1), Clock.systemUTC());
      byte[] content = Files.readAllBytes(signed);
      assertThat(verifier.verify(content)).hasSize(2).allSatisfy(signature -> {
        assertThat(signature.result()).as(signature.reason()).isEqualTo(dev.hikyaku.mailauth.DkimVerifier.Result.PASS);
        assertThat(signature.domain()).isEqualTo("py.example");
      }).extracting(dev.hikyaku.mailauth.DkimVerifier.Signature::algorithm).containsExactlyInAnyOrder("rsa-sha256", "ed25519-sha256");

      byte[] changed = new String(content, StandardCharsets.US_ASCII).replace("second paragraph", "second  paragraph!")
          .getBytes(StandardCharsets.US_ASCII);
      assertThat(verifier.verify(changed)).hasSize(2).allSatisfy(signature ->
          assertThat(signature.result()).isEqualTo(dev.hikyaku.mailauth.DkimVerifier.Result.FAIL));
    }
  }

  @Test
  void mailSubmittedOn587CarriesRsaAndEd25519SignaturesThatDkimpyAccepts() throws Exception {
    try (Server server = TestServers.start(directory.resolve("data"))) {
      String alice = "alice@" + TestServers.HOSTED_DOMAIN;
      TestServers.createAccount(server, alice, PASSWORD);
      Path config = Files.writeString(directory.resolve("hikyaku.yaml"),
          "hostname: " + TestServers.HOSTNAME + "\ndata-directory: " + directory.resolve("data") + "\n");
      AdminCommandLine.Result keygen =
          AdminCommandLine.run("", "dkim", "keygen", TestServers.HOSTED_DOMAIN, "--activate", "--config", config.toString());
      assertThat(keygen.exitCode()).as(keygen.describe()).isZero();
      assertThat(keygen.out()).contains("rsa-sha256 key", "ed25519-sha256 key", "._domainkey." + TestServers.HOSTED_DOMAIN + ". IN TXT (",
          "\"v=DKIM1; k=rsa; p=", "\"v=DKIM1; k=ed25519; p=");

      SSLContext trust = TestServers.clientTrusting(server.tls().currentCertificate());
      AuthenticatingSMTPClient smtp = new AuthenticatingSMTPClient(false, trust);
      smtp.setDefaultTimeout(15_000);
      smtp.connect("127.0.0.1", server.port(ListenerRole.SUBMISSION));
      try {
        assertThat(smtp.elogin("client.example")).isTrue();
        assertThat(smtp.execTLS()).as(smtp.getReplyString()).isTrue();
        assertThat(smtp.elogin("client.example")).isTrue();
        assertThat(smtp.auth(AuthenticatingSMTPClient.AUTH_METHOD.PLAIN, alice, PASSWORD)).as(smtp.getReplyString()).isTrue();
        assertThat(smtp.setSender(alice)).isTrue();
        assertThat(smtp.addRecipient("friend@elsewhere.example")).isTrue();
        // No Date or Message-ID: the submission fix-ups add them, and they are signed too.
        assertThat(smtp.sendShortMessageData("From: Alice <" + alice + ">\r\nTo: friend@elsewhere.example\r\n"
            + "Subject: signed on the way out\r\n\r\nBody of a signed message.\r\n")).as(smtp.getReplyString()).isTrue();
        smtp.logout();
      } finally {
        smtp.disconnect();
      }

      var queued = server.store().queueAdmin().list(QueueQuery.all());
      assertThat(queued).hasSize(1);
      byte[] content = server.store().queueAdmin().find(queued.getFirst().id()).orElseThrow().content();
      String header = new String(content, StandardCharsets.UTF_8);
      assertThat(header).contains("a=rsa-sha256", "a=ed25519-sha256");
      assertThat(header.indexOf("Received: ")).isLessThan(header.indexOf("DKIM-Signature: "));

      List<DkimKey> keys = new ArrayList<>();
      for (SigningKey stored : server.store().signingKeys().list(Optional.of(TestServers.HOSTED_DOMAIN))) {
        assertThat(stored.state()).isEqualTo("active");
        keys.add(DkimKeys.read(stored.domain(), stored.selector(), DkimAlgorithm.named(stored.algorithm()).orElseThrow(),
            stored.privateKey(), stored.publicKey()));
      }
      ExternalTool.Run run = verify(content, keys);
      assertThat(run.exitCode()).as(run.describe()).isZero();
      assertThat(run.stdout()).contains("a=rsa-sha256", "a=ed25519-sha256", "2 of 2 signatures verify");
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
