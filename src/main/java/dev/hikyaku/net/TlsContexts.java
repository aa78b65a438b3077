package dev.hikyaku.net;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's TLS identity as JSSE contexts, reloadable while the server runs.
 *
 * <p>Invariants:
 *
 * <ul>
 *   <li>The current context is swapped atomically; a handshake starting now uses the newest good
 *       context, a connection already wrapped keeps the one it started with.
 *   <li>Only a certificate chain whose leaf matches the private key ever becomes current. A reload that
 *       fails (half-written file, wrong key, garbage) logs an ERROR naming the file and keeps serving
 *       the previous context.
 *   <li>Only TLS 1.3 and 1.2 with forward-secret AEAD suites are offered (see {@link #CIPHER_SUITES}).
 *   <li>Key material never appears in a log line, an exception or {@link #toString()}.
 * </ul>
 *
 * <p>Uses the JDK's default providers only: BouncyCastle parses PEM and issues the self-signed
 * certificate but is never registered as a JCE provider.
 */
public final class TlsContexts implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TlsContexts.class);

  /** File names used by {@link #selfSigned}. */
  public static final String SELF_SIGNED_CERTIFICATE = "selfsigned-cert.pem";

  static final String SELF_SIGNED_KEY = "selfsigned-key.pem";

  /** RFC 8996 deprecates TLS 1.0 and 1.1; RFC 8314 §4.1 asks for TLS 1.2 or later for submission. */
  static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  /**
   * In server preference order: Mozilla's "intermediate" profile (v5.7). TLS 1.3 suites (RFC 8446 §B.4)
   * are all AEAD with ephemeral key exchange. For TLS 1.2 only ECDHE (forward secrecy) with AES-GCM or
   * ChaCha20-Poly1305 (RFC 7905); no CBC (Lucky13, padding oracles), no static RSA key exchange (no
   * forward secrecy, ROBOT), no DHE (weak groups, Raccoon), and never 3DES, RC4, NULL, anon or export.
   */
  static final List<String> CIPHER_SUITES =
      List.of(
          "TLS_AES_128_GCM_SHA256",
          "TLS_AES_256_GCM_SHA384",
          "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  private final Path certificateChain;
  private final Path privateKey;
  private final Clock clock;
  private final AtomicReference<ServedContext> current;
  private final ReentrantLock reloadLock = new ReentrantLock();
  private final ReentrantLock watchLock = new ReentrantLock();
  private final Condition isClosing = watchLock.newCondition();
  private final Runnable reloadAction = this::reload;

  /** The files as they were when last read (successfully or not); guarded by {@link #reloadLock}. */
  private FilesSeen lastRead;

  private volatile boolean isClosed;
  private final Thread watcher;

  private final TlsEngineKind engineKind;
  private final KeyExchange keyExchange;

  private TlsContexts(
      Path certificateChain, Path privateKey, Duration reloadCheckInterval, Clock clock, TlsEngineKind engineKind,
      KeyExchange keyExchange)
      throws TlsSetupException {
    this.certificateChain = certificateChain;
    this.privateKey = privateKey;
    this.clock = clock;
    this.engineKind = engineKind;
    this.keyExchange = Objects.requireNonNull(keyExchange, "keyExchange");
    if (keyExchange != KeyExchange.CLASSIC && engineKind != TlsEngineKind.BORINGSSL) {
      // The config reader refuses this first, naming tls.key-exchange; here for callers that skip it.
      throw new IllegalStateException("tls.key-exchange: " + keyExchange.configName() + " needs tls.engine: boringssl");
    }
    if (engineKind == TlsEngineKind.BORINGSSL) {
      // The config reader refuses this first, naming tls.engine; here for callers that skip it.
      Optional<String> unavailable = BoringSslEngine.unavailability();
      if (unavailable.isPresent()) {
        throw new IllegalStateException("tls.engine: boringssl cannot run here: " + unavailable.get());
      }
    }
    this.lastRead = FilesSeen.of(certificateChain, privateKey);
    ServedContext first = ServedContext.build(ServerIdentity.load(certificateChain, privateKey, clock), certificateChain, engineKind, keyExchange);
    this.current = new AtomicReference<>(first);
    LOG.info("TLS serving {} ({} engine for SMTP, key exchange {})", ServedContext.describe(first, certificateChain),
        engineKind.configName(), String.join(", ", keyExchange.groups()));
    ServedContext.adviseOnKeyType(first);
    if (reloadCheckInterval.isZero()) {
      this.watcher = null;
    } else {
      // A daemon platform thread: it blocks in file I/O and must not keep the JVM alive on shutdown.
      this.watcher =
          Thread.ofPlatform()
              .daemon()
              .name("tls-reload-watch")
              .unstarted(() -> watch(reloadCheckInterval));
      this.watcher.start();
    }
  }

  /**
   * Loads a PEM certificate chain (leaf first, intermediates after) and a PEM private key (RSA or
   * ECDSA; PKCS#8 "PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY"). Verifies the key
   * matches the leaf certificate. Starts a watcher that re-reads both files when their modification
   * time or size changes, checking every {@code reloadCheckInterval} ({@link Duration#ZERO} = no
   * watcher).
   */
  public static TlsContexts fromPem(
      Path certificateChain, Path privateKey, Duration reloadCheckInterval)
      throws TlsSetupException {
    return fromPem(certificateChain, privateKey, reloadCheckInterval, TlsEngineKind.JDK);
  }

  /** As {@link #fromPem(Path, Path, Duration)}, with the given engine for the SMTP listeners. */
  public static TlsContexts fromPem(
      Path certificateChain, Path privateKey, Duration reloadCheckInterval, TlsEngineKind engine)
      throws TlsSetupException {
    return fromPem(certificateChain, privateKey, reloadCheckInterval, engine, KeyExchange.CLASSIC);
  }

  /** And the key exchange groups they offer. */
  public static TlsContexts fromPem(
      Path certificateChain, Path privateKey, Duration reloadCheckInterval, TlsEngineKind engine, KeyExchange keyExchange)
      throws TlsSetupException {
    return fromPem(certificateChain, privateKey, reloadCheckInterval, Clock.systemUTC(), engine, keyExchange);
  }

  static TlsContexts fromPem(
      Path certificateChain, Path privateKey, Duration reloadCheckInterval, Clock clock)
      throws TlsSetupException {
    return fromPem(certificateChain, privateKey, reloadCheckInterval, clock, TlsEngineKind.JDK);
  }

  static TlsContexts fromPem(
      Path certificateChain, Path privateKey, Duration reloadCheckInterval, Clock clock, TlsEngineKind engine)
      throws TlsSetupException {
    return fromPem(certificateChain, privateKey, reloadCheckInterval, clock, engine, KeyExchange.CLASSIC);
  }

  static TlsContexts fromPem(Path certificateChain, Path privateKey, Duration reloadCheckInterval, Clock clock,
      TlsEngineKind engine, KeyExchange keyExchange)
      throws TlsSetupException {
    Objects.requireNonNull(certificateChain, "certificateChain");
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(clock, "clock");
    if (reloadCheckInterval.isNegative()) {
      throw new IllegalArgumentException(
          "reloadCheckInterval must be zero (no watcher) or positive, not " + reloadCheckInterval);
    }
    Objects.requireNonNull(engine, "engine");
    return new TlsContexts(certificateChain, privateKey, reloadCheckInterval, clock, engine, keyExchange);
  }

  /**
   * For a first start without a configured certificate: reuses {@code directory/selfsigned-cert.pem}
   * and {@code selfsigned-key.pem} when they exist, match, have not expired and name {@code
   * hostname}; otherwise generates an ECDSA P-256 key and a self-signed X.509 v3 certificate (SAN and
   * CN = hostname, 825 days, serverAuth), writes them (key 0600 where POSIX) and loads them like {@link
   * #fromPem}. Logs a loud WARN saying how to configure a real certificate.
   */
  public static TlsContexts selfSigned(
      String hostname, Path directory, Duration reloadCheckInterval) throws TlsSetupException {
    return selfSigned(hostname, directory, reloadCheckInterval, TlsEngineKind.JDK);
  }

  /** As {@link #selfSigned(String, Path, Duration)}, with the given engine for the SMTP listeners. */
  public static TlsContexts selfSigned(
      String hostname, Path directory, Duration reloadCheckInterval, TlsEngineKind engine)
      throws TlsSetupException {
    return selfSigned(hostname, directory, reloadCheckInterval, engine, KeyExchange.CLASSIC);
  }

  /** And the key exchange groups they offer. */
  public static TlsContexts selfSigned(
      String hostname, Path directory, Duration reloadCheckInterval, TlsEngineKind engine, KeyExchange keyExchange)
      throws TlsSetupException {
    return selfSigned(
        hostname, directory, reloadCheckInterval, Clock.systemUTC(), new SecureRandom(), engine, keyExchange);
  }

  static TlsContexts selfSigned(
      String hostname, Path directory, Duration reloadCheckInterval, Clock clock, SecureRandom random)
      throws TlsSetupException {
    return selfSigned(hostname, directory, reloadCheckInterval, clock, random, TlsEngineKind.JDK);
  }

  static TlsContexts selfSigned(
      String hostname, Path directory, Duration reloadCheckInterval, Clock clock, SecureRandom random,
      TlsEngineKind engine)
      throws TlsSetupException {
    return selfSigned(hostname, directory, reloadCheckInterval, clock, random, engine, KeyExchange.CLASSIC);
  }

  static TlsContexts selfSigned(String hostname, Path directory, Duration reloadCheckInterval, Clock clock,
      SecureRandom random, TlsEngineKind engine, KeyExchange keyExchange)
      throws TlsSetupException {
    String host = normalizeHostname(hostname);
    Path certificate = directory.resolve(SELF_SIGNED_CERTIFICATE);
    Path key = directory.resolve(SELF_SIGNED_KEY);
    Optional<String> reason = SelfSignedCertificate.reasonToRegenerate(certificate, key, host, clock);
    if (reason.isPresent()) {
      LOG.info("Generating a self-signed TLS certificate for {} in {}: {}", host, directory,
          reason.get());
      SelfSignedCertificate.generate(host, certificate, key, clock, random);
    }
    TlsContexts contexts = fromPem(certificate, key, reloadCheckInterval, clock, engine, keyExchange);
    LOG.warn(
        """

        ************************************************************************
        * TLS is using a SELF-SIGNED certificate for {}
        *   certificate: {}
        *   valid until: {}
        * Mail clients will warn about it or refuse to connect, and other
        * servers cannot authenticate this one. Configure a real certificate
        * (for example from Let's Encrypt) in the configuration file:
        *   tls.certificate: /path/to/fullchain.pem   (server certificate first,
        *                                              then intermediates)
        *   tls.private-key: /path/to/privkey.pem
        ************************************************************************""",
        host,
        certificate,
        contexts.currentCertificate().getNotAfter().toInstant());
    return contexts;
  }

  /**
   * Wraps an already-connected socket as a server-mode {@link SSLSocket} using the current context,
   * with only TLSv1.3 and TLSv1.2 and the suites of {@link #enabledCipherSuites()} enabled, in server
   * preference order. Does not start the handshake. {@code autoClose} as in {@link
   * javax.net.ssl.SSLSocketFactory#createSocket(Socket, String, int, boolean)}.
   */
  public SSLSocket wrapServer(Socket connected, boolean autoClose) throws IOException {
    if (!connected.isConnected() || connected.isClosed()) {
      throw new SocketException("cannot start TLS on a socket that is not connected");
    }
    return current.get().jdk().wrap(connected, autoClose);
  }

  /**
   * A server TLS connection over {@code connected} from the engine of {@code tls.engine} with the
   * current certificate; handshake not begun. The SMTP listeners' way in (STARTTLS and port 465).
   */
  TlsConnection open(Socket connected) throws IOException {
    if (!connected.isConnected() || connected.isClosed()) {
      throw new SocketException("cannot start TLS on a socket that is not connected");
    }
    while (true) {
      ServedContext served = current.get();
      Optional<TlsConnection> connection = served.inbound().open(connected);
      if (connection.isPresent()) {
        return connection.get();
      }
      if (current.get() == served) {
        // Retired and not replaced: only close() does that.
        throw new SocketException("TLS is shut down");
      }
      // A reload retired that engine between the read and the open: take the new one.
    }
  }

  /** The engine new SMTP connections get; for tests. */
  TlsEngine inboundEngine() {
    return current.get().inbound();
  }

  /** Which engine serves the SMTP listeners ({@code tls.engine}). */
  public TlsEngineKind engine() {
    return engineKind;
  }

  /**
   * Re-reads the files now. On failure keeps serving the previous context and returns false after
   * logging an ERROR that names the file and the problem (never key material).
   */
  public boolean reload() {
    reloadLock.lock();
    try {
      // Seen before reading: a change during the read shows up as a difference on the next check.
      lastRead = FilesSeen.of(certificateChain, privateKey);
      ServedContext next;
      try {
        next = ServedContext.build(ServerIdentity.load(certificateChain, privateKey, clock), certificateChain, engineKind, keyExchange);
      } catch (TlsSetupException e) {
        LOG.error(
            "TLS reload failed: {}; still serving the previous certificate, {}",
            e.getMessage(),
            ServedContext.describe(current.get(), certificateChain));
        return false;
      }
      ServedContext previous = current.getAndSet(next);
      // Connections already open keep the engine they started with; it is freed after the last.
      previous.inbound().retire();
      LOG.info("TLS reloaded, now serving {}", ServedContext.describe(next, certificateChain));
      ServedContext.adviseOnKeyType(next);
      return true;
    } finally {
      reloadLock.unlock();
    }
  }

  /**
   * A context for servers that build their own TLS sockets or engines (the HTTP API): its key
   * manager asks whichever certificate and key are current at each handshake, so a {@link #reload()}
   * reaches it without rebuilding anything. Apply {@link #enabledProtocols()} and {@link
   * #enabledCipherSuites()} to it; they do not change on reload.
   */
  public SSLContext followingContext() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {new CurrentKeyManager(() -> current.get().keyManager())}, new TrustManager[0], null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot make a TLS context: " + e.getMessage(), e);
    }
  }

  /** The leaf certificate new handshakes present. */
  public X509Certificate currentCertificate() {
    return current.get().chain().getFirst();
  }

  /** The enabled protocols actually applied (for tests and the 'config check' output). */
  public List<String> enabledProtocols() {
    return current.get().protocols();
  }

  /** The enabled cipher suites actually applied, in server preference order. */
  public List<String> enabledCipherSuites() {
    return current.get().cipherSuites();
  }

  /**
   * Installs a SIGHUP handler that calls {@link #reload()}. Safe to call once per process (a later
   * call from another instance takes the signal over); a no-op with a WARN where signals are not
   * supported.
   */
  public void reloadOnHangupSignal() {
    if (HangupSignal.runOnHangup(reloadAction)) {
      LOG.info("TLS certificates reload on SIGHUP ({} and {})", certificateChain, privateKey);
    }
  }

  /** Stops the watcher and lets go of SIGHUP; the current context stays usable for open sockets. */
  @Override
  public void close() {
    isClosed = true;
    HangupSignal.forget(reloadAction);
    current.get().inbound().retire();
    if (watcher == null) {
      return;
    }
    watchLock.lock();
    try {
      isClosing.signalAll();
    } finally {
      watchLock.unlock();
    }
    try {
      watcher.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Whether the file watcher thread is running; for tests. */
  boolean isWatching() {
    return watcher != null && watcher.isAlive();
  }

  @Override
  public String toString() {
    return "TlsContexts[" + certificateChain + ", " + privateKey + "]";
  }

  /**
   * The poll loop. Reloads when the files differ from the last read and have stayed the same for one
   * interval, so a file still being written is usually left alone; when one is read half-written
   * anyway, {@link #reload()} refuses it and the next change triggers another try.
   */
  private void watch(Duration interval) {
    FilesSeen previousPoll = null;
    while (awaitInterval(interval)) {
      try {
        FilesSeen now = FilesSeen.of(certificateChain, privateKey);
        boolean hasChanged;
        reloadLock.lock();
        try {
          hasChanged = !now.equals(lastRead);
        } finally {
          reloadLock.unlock();
        }
        if (hasChanged && now.equals(previousPoll)) {
          LOG.info("TLS files changed ({}, {}); reloading", certificateChain, privateKey);
          reload();
        }
        previousPoll = now;
      } catch (RuntimeException e) {
        // A bug must not end the watcher silently; it tries again next interval.
        LOG.error("TLS file watcher failed; will retry", e);
      }
    }
  }

  /** Waits one interval; false once {@link #close()} was called. */
  private boolean awaitInterval(Duration interval) {
    watchLock.lock();
    try {
      long nanos = interval.toNanos();
      while (!isClosed && nanos > 0) {
        nanos = isClosing.awaitNanos(nanos);
      }
      return !isClosed;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      watchLock.unlock();
    }
  }

  private static String normalizeHostname(String hostname) {
    Objects.requireNonNull(hostname, "hostname");
    String host = hostname.strip();
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    if (host.isEmpty() || host.chars().anyMatch(c -> Character.isWhitespace(c) || c == '/')) {
      throw new IllegalArgumentException("not a hostname for a certificate: '" + hostname + "'");
    }
    return SelfSignedCertificate.isIpLiteral(host) ? host : host.toLowerCase(Locale.ROOT);
  }

  /**
   * What the watcher compares: modification time, size and file key (inode) of both files, following
   * symbolic links, so an atomic rename and a Kubernetes secret's symlink swap both count as changes.
   */
  private record FilesSeen(FileSeen certificate, FileSeen key) {
    static FilesSeen of(Path certificate, Path key) {
      return new FilesSeen(FileSeen.of(certificate), FileSeen.of(key));
    }
  }

  private record FileSeen(FileTime modified, long size, Object fileKey) {
    static final FileSeen MISSING = new FileSeen(null, -1, null);

    static FileSeen of(Path file) {
      try {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        return new FileSeen(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
      } catch (IOException e) {
        return MISSING;
      }
    }
  }
}
