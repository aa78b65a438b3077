package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.events.Event;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.net.TlsEngineKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code openssl s_client} (the OpenSSL the distribution ships) against the TLS policy: TLS 1.3
 * by default, TLS 1.2 only with ECDHE and an AEAD cipher, nothing older. Each handshake is checked
 * from both ends: what s_client printed and the TLS event the server published.
 */
@Tag("interop")
class OpensslInteropTest {

  /** Sent once TLS is up; s_client speaks its own EHLO and STARTTLS before that. */
  private static final byte[] DIALOGUE = "EHLO client.example\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII);

  private static final Duration EVENT_WAIT = Duration.ofSeconds(5);

  @TempDir static Path directory;
  private static ExternalTool openssl;
  static InteropServer server;

  @BeforeAll
  static void start() throws Exception {
    startWith(TlsEngineKind.JDK);
  }

  /** The fixture with the SMTP listeners' TLS from {@code engine}; a subclass's start() calls it instead. */
  static void startWith(TlsEngineKind engine) throws Exception {
    // JUnit runs this class's start() before a subclass's: the subclass's engine replaces it.
    stop();
    openssl = ExternalTool.require("openssl", "openssl");
    server = InteropServer.start(java.nio.file.Files.createDirectories(directory.resolve(engine.configName())), engine);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  @Test
  void starttlsOnSubmissionNegotiatesTls13AndVerifies() {
    int mark = server.eventMark();

    ExternalTool.Run run = sClient(ListenerRole.SUBMISSION, "-starttls", "smtp");

    assertThat(run.exitCode()).as(run.describe()).isZero();
    assertThat(run.stdout())
        .contains("Verify return code: 0 (ok)")
        .contains("Verified peername: " + InteropServer.HOSTNAME)
        .contains("New, TLSv1.3, Cipher is TLS_");
    assertEhloAfterTls(run);
    assertThat(run.stdout()).contains("221 2.0.0 Bye");
    assertThat(established(mark)).extracting(Event.TlsEstablished::protocol).isEqualTo("TLSv1.3");
  }

  @Test
  void tls11IsRefusedByTheServer() {
    int mark = server.eventMark();

    // SECLEVEL=0 lets this client offer TLS 1.1 whatever the system policy: the refusal must be the server's.
    ExternalTool.Run run =
        sClient(ListenerRole.SUBMISSION, "-starttls", "smtp", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0");

    assertThat(run.exitCode()).as(run.describe()).isNotZero();
    // The alert came from the server (RFC 8446 §6.2, protocol_version = 70).
    assertThat(run.output()).as(run.describe()).contains("alert protocol version").contains("Cipher is (NONE)");
    assertThat(failed(mark)).isNotNull();
  }

  @Test
  void tls13AndTls12DisabledLeavesNothingToAgreeOn() {
    int mark = server.eventMark();

    ExternalTool.Run run =
        sClient(
            ListenerRole.SUBMISSION, "-starttls", "smtp", "-no_tls1_2", "-no_tls1_3", "-cipher", "DEFAULT@SECLEVEL=0");

    assertThat(run.exitCode()).as(run.describe()).isNotZero();
    assertThat(run.output()).as(run.describe()).contains("alert protocol version");
    assertThat(failed(mark)).isNotNull();
  }

  @Test
  void tls12WithRsaKeyExchangeAndCbcIsRefused() {
    int mark = server.eventMark();

    // AES128-SHA: static RSA key exchange (no forward secrecy), CBC with HMAC-SHA1 (not AEAD).
    ExternalTool.Run run = sClient(ListenerRole.SUBMISSION, "-starttls", "smtp", "-tls1_2", "-cipher", "AES128-SHA");

    assertThat(run.exitCode()).as(run.describe()).isNotZero();
    assertThat(run.output()).as(run.describe()).contains("alert handshake failure").contains("Cipher is (NONE)");
    assertThat(failed(mark)).isNotNull();
  }

  @Test
  void tls12WithEcdheEcdsaAesGcmIsAccepted() {
    int mark = server.eventMark();

    // The generated certificate is ECDSA P-256, so ECDHE-ECDSA is the TLS 1.2 family it can serve.
    ExternalTool.Run run =
        sClient(ListenerRole.SUBMISSION, "-starttls", "smtp", "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256");

    assertThat(run.exitCode()).as(run.describe()).isZero();
    assertThat(run.stdout())
        .contains("New, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256")
        .contains("Verify return code: 0 (ok)");
    assertEhloAfterTls(run);
    Event.TlsEstablished established = established(mark);
    assertThat(established.protocol()).isEqualTo("TLSv1.2");
    assertThat(established.cipherSuite()).isEqualTo("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
  }

  @Test
  void submissionsSpeaksTlsFromTheFirstByte() {
    int mark = server.eventMark();

    ExternalTool.Run run = sClient(ListenerRole.SUBMISSIONS);

    assertThat(run.exitCode()).as(run.describe()).isZero();
    assertThat(run.stdout())
        .contains("Verify return code: 0 (ok)")
        .contains("Verified peername: " + InteropServer.HOSTNAME)
        .contains("New, TLSv1.3, Cipher is TLS_");
    // RFC 8314 §3.3: the greeting comes inside TLS, after the handshake s_client reports first.
    String afterHandshake = run.stdout().substring(run.stdout().indexOf("Verify return code: 0 (ok)"));
    assertThat(afterHandshake).contains("220 mx.hikyaku.test ESMTP Hikyaku");
    assertEhloAfterTls(run);
    assertThat(established(mark)).extracting(Event.TlsEstablished::protocol).isEqualTo("TLSv1.3");
  }

  /**
   * The reply to our EHLO, sent after TLS, lists the extensions without STARTTLS (RFC 3207 §4.2).
   * s_client also echoes the last line of its own pre-TLS EHLO reply ("250 STARTTLS") just before
   * it, so the reply is located by its greeting line rather than by position.
   */
  private static void assertEhloAfterTls(ExternalTool.Run run) {
    List<String> lines = run.stdout().lines().toList();
    int first = lines.indexOf("250-mx.hikyaku.test greets client.example");
    assertThat(first).as("EHLO reply after TLS%n%s", run.describe()).isNotNegative();
    List<String> reply = new ArrayList<>();
    for (String line : lines.subList(first, lines.size())) {
      reply.add(line);
      if (line.startsWith("250 ")) {
        break;
      }
    }
    assertThat(reply.getLast()).as("last line of the EHLO reply").startsWith("250 ");
    assertThat(reply)
        .contains("250-PIPELINING")
        .anyMatch(line -> line.contains("SMTPUTF8"))
        .noneMatch(line -> line.contains("STARTTLS"));
  }

  private static Event.TlsEstablished established(int mark) {
    List<Event> events = server.eventsSince(mark);
    assertThat(events).filteredOn(Event.TlsFailed.class::isInstance).isEmpty();
    return events.stream()
        .filter(Event.TlsEstablished.class::isInstance)
        .map(Event.TlsEstablished.class::cast)
        .reduce((a, b) -> b)
        .orElseThrow(() -> new AssertionError("no TlsEstablished event after the client's handshake: " + events));
  }

  /** The server's record of the failed handshake; it may land just after the client has exited. */
  private static Event.TlsFailed failed(int mark) {
    await()
        .atMost(EVENT_WAIT)
        .until(() -> server.eventsSince(mark).stream().anyMatch(Event.TlsFailed.class::isInstance));
    List<Event> events = server.eventsSince(mark);
    assertThat(events).filteredOn(Event.TlsEstablished.class::isInstance).isEmpty();
    return events.stream().filter(Event.TlsFailed.class::isInstance).map(Event.TlsFailed.class::cast).findFirst().orElseThrow();
  }

  /**
   * {@code openssl s_client} to a listener, trusting only the server's certificate and checking
   * its name; {@code -verify_return_error} makes a failed verification end the handshake instead of
   * being printed and ignored. {@code -ign_eof} keeps it reading until the server closes after QUIT.
   */
  private static ExternalTool.Run sClient(ListenerRole role, String... extra) {
    List<String> arguments =
        new ArrayList<>(
            List.of(
                "s_client",
                "-connect",
                "127.0.0.1:" + server.port(role),
                "-servername",
                InteropServer.HOSTNAME,
                "-CAfile",
                server.certificateFile().toString(),
                "-verify_hostname",
                InteropServer.HOSTNAME,
                "-verify_return_error",
                "-ign_eof"));
    arguments.addAll(List.of(extra));
    return openssl.runWithInput(DIALOGUE, arguments.toArray(String[]::new));
  }
}
