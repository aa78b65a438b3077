package dev.hikyaku.net;

import static dev.hikyaku.net.TlsLoopback.HOSTNAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import dev.hikyaku.net.TestCertificates.PemFiles;
import dev.hikyaku.testing.TestServers;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Replacing certificate files while serving: explicit reload, the watcher and SIGHUP. */
@ResourceLock(TestServers.CAPTURED_LOGS)
class TlsContextsReloadTest {

  private static final Duration WATCH_INTERVAL = Duration.ofMillis(25);

  @TempDir Path dir;

  private TestCertificates before;
  private TestCertificates after;
  private PemFiles files;
  /** A client that trusts both the old and the new certificate, to see which one is served. */
  private SSLContext client;

  /** The engine of the SMTP listeners under test; {@link BoringSslReloadTest} runs all of this with BoringSSL. */
  TlsEngineKind engine() {
    return TlsEngineKind.JDK;
  }

  private TlsContexts serve(Duration reloadCheckInterval) throws TlsSetupException {
    return TlsContexts.fromPem(files.certificateChain(), files.privateKey(), reloadCheckInterval, engine());
  }

  @BeforeEach
  void writeFirstCertificate() {
    before = TestCertificates.ecdsa(HOSTNAME);
    after = TestCertificates.ecdsa(HOSTNAME);
    files = before.writeTo(dir);
    client = TestCertificates.clientContextTrusting(before.trustAnchor(), after.trustAnchor());
  }

  @Test
  void reloadAfterReplacingTheFilesServesTheNewCertificate() throws Exception {
    try (TlsContexts tls =
            serve(Duration.ZERO);
        var loopback = new TlsLoopback(tls)) {
      assertThat(loopback.handshake(client).leaf()).isEqualTo(before.certificate());

      after.writeTo(dir);
      assertThat(tls.reload()).isTrue();

      assertThat(tls.currentCertificate()).isEqualTo(after.certificate());
      assertThat(loopback.handshake(client).leaf()).isEqualTo(after.certificate());
    }
  }

  @Test
  void aClientResumesWithItsTicketUntilAReloadThenGetsTheNewCertificateInFull() throws Exception {
    try (TlsContexts tls =
            serve(Duration.ZERO);
        var loopback = new TlsLoopback(tls)) {
      TlsLoopback.Exchange full = loopback.exchange(client);
      TlsLoopback.Exchange resumed = loopback.exchange(client);
      // RFC 8446 §2.2: a PSK handshake from the ticket (stateless, JSSE's default since
      // jdk.tls.server.enableSessionTicketExtension) sends no Certificate message: what Thunderbird,
      // Outlook and Apple Mail do on reconnect; with an RSA key it costs the server about a third to
      // a half of a full handshake (bench/README.md, TLS handshakes).
      int certificateLength = before.certificate().getEncoded().length;
      assertThat(resumed.octetsReceived()).isLessThan(full.octetsReceived() - certificateLength);
      assertThat(resumed.leaf()).isEqualTo(before.certificate());

      after.writeTo(dir);
      assertThat(tls.reload()).isTrue();

      // A new context has new ticket keys: the old ticket is refused and the client sees the new
      // certificate in a full handshake; a reload never lets a session outlive the identity it was
      // made with.
      TlsLoopback.Exchange afterReload = loopback.exchange(client);
      assertThat(afterReload.leaf()).isEqualTo(after.certificate());
      assertThat(afterReload.octetsReceived())
          .isGreaterThan(resumed.octetsReceived() + after.certificate().getEncoded().length);
    }
  }

  @Test
  void aSocketWrappedBeforeTheReloadKeepsTheContextItStartedWith() throws Exception {
    try (TlsContexts tls =
            serve(Duration.ZERO);
        var listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        var plainClient = new Socket()) {
      plainClient.connect(listener.getLocalSocketAddress());
      plainClient.setSoTimeout(10_000);
      try (Socket accepted = listener.accept();
          SSLSocket wrapped = tls.wrapServer(accepted, true)) {
        wrapped.setSoTimeout(10_000);

        after.writeTo(dir);
        assertThat(tls.reload()).isTrue();

        CompletableFuture<Void> serverSide =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    wrapped.startHandshake();
                  } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                },
                command -> Thread.ofVirtual().start(command));
        try (var tlsClient =
            (SSLSocket)
                client
                    .getSocketFactory()
                    .createSocket(plainClient, HOSTNAME, listener.getLocalPort(), false)) {
          tlsClient.startHandshake();
          X509Certificate presented = (X509Certificate) tlsClient.getSession().getPeerCertificates()[0];
          assertThat(presented).isEqualTo(before.certificate());
        }
        serverSide.get(10, TimeUnit.SECONDS);
      }
    }
  }

  /** Ways an operator's replacement can be broken. */
  enum Breakage {
    /** New certificate, old key: the key was not copied yet. */
    KEY_NOT_MATCHING,
    /** A key file of random Base64 inside PEM armor. */
    GARBAGE_KEY,
    /** The new key, cut off in the middle. */
    HALF_WRITTEN_KEY,
    /** The new certificate file, cut off in the middle. */
    HALF_WRITTEN_CERTIFICATE,
    /** The key file is gone. */
    KEY_DELETED,
    /** The certificate file is there but empty (truncated by a copy that failed at once). */
    EMPTY_CERTIFICATE,
    /** A directory where the certificate file was (an unpacked archive, a mistaken rename). */
    CERTIFICATE_IS_A_DIRECTORY,
    /** The certificate file holds a key instead: the two files swapped. */
    FILES_SWAPPED
  }

  private Path breakFiles(Breakage breakage) throws Exception {
    String newKey = after.privateKeyPem();
    String newChain = after.certificateChainPem();
    return switch (breakage) {
      case KEY_NOT_MATCHING -> {
        replaceAtomically(files.certificateChain(), newChain);
        yield files.privateKey();
      }
      case GARBAGE_KEY -> {
        Files.writeString(
            files.privateKey(),
            "-----BEGIN PRIVATE KEY-----\n" + KeyMaterial.body(newKey).substring(7)
                + "\n-----END PRIVATE KEY-----\n");
        yield files.privateKey();
      }
      case HALF_WRITTEN_KEY -> {
        Files.writeString(files.certificateChain(), newChain);
        Files.writeString(files.privateKey(), newKey.substring(0, newKey.length() / 2));
        yield files.privateKey();
      }
      case HALF_WRITTEN_CERTIFICATE -> {
        Files.writeString(files.certificateChain(), newChain.substring(0, newChain.length() / 2));
        Files.writeString(files.privateKey(), newKey);
        yield files.certificateChain();
      }
      case KEY_DELETED -> {
        Files.delete(files.privateKey());
        yield files.privateKey();
      }
      case EMPTY_CERTIFICATE -> {
        Files.write(files.certificateChain(), new byte[0]);
        yield files.certificateChain();
      }
      case CERTIFICATE_IS_A_DIRECTORY -> {
        Files.delete(files.certificateChain());
        Files.createDirectory(files.certificateChain());
        yield files.certificateChain();
      }
      case FILES_SWAPPED -> {
        Files.writeString(files.certificateChain(), newKey);
        Files.writeString(files.privateKey(), newChain);
        yield files.certificateChain();
      }
    };
  }

  private void replaceAtomically(Path file, String content) throws Exception {
    Path staged = dir.resolve("staged.tmp");
    Files.writeString(staged, content);
    Files.move(staged, file, StandardCopyOption.ATOMIC_MOVE);
  }

  @ParameterizedTest
  @EnumSource(Breakage.class)
  void aBrokenReplacementKeepsServingTheOldCertificate(Breakage breakage) throws Exception {
    try (TlsContexts tls =
            serve(Duration.ZERO);
        var loopback = new TlsLoopback(tls);
        var logs = CapturedLogs.of(TlsContexts.class)) {
      Path culprit = breakFiles(breakage);

      assertThat(tls.reload()).isFalse();

      assertThat(tls.currentCertificate()).isEqualTo(before.certificate());
      assertThat(loopback.handshake(client).leaf()).isEqualTo(before.certificate());
      assertThat(logs.at(Level.ERROR))
          .singleElement()
          .satisfies(
              line -> {
                assertThat(line.message())
                    .startsWith("TLS reload failed: " + culprit)
                    .contains("still serving the previous certificate")
                    .contains(culprit.toString());
                KeyMaterial.assertNotQuoted(line.fullText(), after.privateKeyPem());
                KeyMaterial.assertNotQuoted(line.fullText(), before.privateKeyPem());
              });
    }
  }

  @Test
  void theWatcherPicksUpReplacedFilesByItself() throws Exception {
    try (TlsContexts tls =
            serve(WATCH_INTERVAL);
        var loopback = new TlsLoopback(tls)) {
      assertThat(tls.isWatching()).isTrue();

      after.writeTo(dir);

      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> tls.currentCertificate().equals(after.certificate()));
      assertThat(loopback.handshake(client).leaf()).isEqualTo(after.certificate());
    }
  }

  @Test
  void theWatcherSkipsABrokenChangeAndTakesTheFixedOne() throws Exception {
    try (TlsContexts tls =
            serve(WATCH_INTERVAL);
        var logs = CapturedLogs.of(TlsContexts.class)) {
      breakFiles(Breakage.KEY_NOT_MATCHING);

      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> !logs.at(Level.ERROR).isEmpty());
      assertThat(tls.currentCertificate()).isEqualTo(before.certificate());

      // The missing key arrives by atomic rename, so no poll can see a second broken state.
      replaceAtomically(files.privateKey(), after.privateKeyPem());

      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> tls.currentCertificate().equals(after.certificate()));
      // The broken state was reported once, not on every poll.
      assertThat(logs.at(Level.ERROR)).hasSize(1);
    }
  }

  @Test
  void closeStopsTheWatcher() throws Exception {
    TlsContexts tls =
        serve(WATCH_INTERVAL);
    assertThat(tls.isWatching()).isTrue();

    tls.close();

    assertThat(tls.isWatching()).isFalse();
  }

  @Test
  void noWatcherForAZeroInterval() throws Exception {
    try (TlsContexts tls =
        serve(Duration.ZERO)) {
      assertThat(tls.isWatching()).isFalse();
    }
  }

  @Test
  void sighupReloads() throws Exception {
    try (TlsContexts tls =
        serve(Duration.ZERO)) {
      tls.reloadOnHangupSignal();
      // Without our handler the JVM's own would start a shutdown: check before raising. A JVM
      // started with SIGHUP ignored (under nohup) installs none, and says so; nothing to raise then.
      if (!HangupSignal.isHandlerInstalled()) {
        assertThat(HangupSignal.runOnHangup(() -> {})).isFalse();
        return;
      }
      after.writeTo(dir);

      sun.misc.Signal.raise(new sun.misc.Signal("HUP"));

      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> tls.currentCertificate().equals(after.certificate()));
    }
  }
}
