package dev.hikyaku.config;

import dev.hikyaku.net.KeyExchange;
import dev.hikyaku.net.TlsEngineKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * Where the server certificate comes from.
 *
 * @param certificate PEM certificate chain; when absent (together with {@code privateKey}) the TLS
 *     code generates a self-signed certificate in {@link HikyakuConfig#selfSignedTlsDirectory()}
 * @param privateKey PEM private key; present exactly when {@code certificate} is. Never read here:
 *     the config package only checks that the file exists and is readable.
 * @param reloadCheckInterval how often the files are checked for a renewed certificate; {@link
 *     Duration#ZERO} disables the watcher
 * @param engine the TLS implementation of the SMTP listeners ({@code tls.engine}); the HTTP API
 *     always uses the JDK's
 * @param keyExchange the key exchange groups the SMTP listeners offer ({@code tls.key-exchange}):
 *     classic, or hybrid (X25519MLKEM768 first; BoringSSL only)
 */
public record TlsConfig(
    Optional<Path> certificate, Optional<Path> privateKey, Duration reloadCheckInterval, TlsEngineKind engine,
    KeyExchange keyExchange) {

  public TlsConfig {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(reloadCheckInterval, "reloadCheckInterval");
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(keyExchange, "keyExchange");
    if (certificate.isPresent() != privateKey.isPresent()) {
      throw new IllegalArgumentException("certificate and privateKey must be given together");
    }
  }

  static final String SECTION = "tls";
  private static final String CERTIFICATE = "certificate";
  private static final String PRIVATE_KEY = "private-key";
  private static final String RELOAD_CHECK_INTERVAL = "reload-check-interval";
  /** jdk or boringssl, for the SMTP listeners. */
  private static final String ENGINE = "engine";
  /** classic or hybrid (post-quantum), for the SMTP listeners. */
  private static final String KEY_EXCHANGE = "key-exchange";
  static final List<String> KEYS = List.of(CERTIFICATE, PRIVATE_KEY, RELOAD_CHECK_INTERVAL, ENGINE, KEY_EXCHANGE);

  /**
   * A self-signed certificate, checked for renewal every 30 s; JSSE until CI has run everything
   * with BoringSSL too (issue 15; BoringSSL is opt-in, bench/README.md "TLS handshakes").
   */
  static final TlsConfig DEFAULTS =
      new TlsConfig(Optional.empty(), Optional.empty(), Duration.ofSeconds(30), TlsEngineKind.JDK, KeyExchange.CLASSIC);

  /** The {@code tls} section: both files or neither, each existing and readable (not opened). */
  static TlsConfig read(Section tls) throws ConfigException {
    Optional<Path> certificate = readableFile(tls, CERTIFICATE);
    Optional<Path> privateKey = readableFile(tls, PRIVATE_KEY);
    // A certificate is useless without its key and the other way round; refusing half a pair
    // beats silently serving a self-signed certificate the operator did not want.
    if (certificate.isPresent() && privateKey.isEmpty()) {
      throw tls.error(tls.path(PRIVATE_KEY), tls.node(CERTIFICATE), "required when " + tls.path(CERTIFICATE)
          + " is set (give both, or neither for a self-signed certificate)");
    }
    if (privateKey.isPresent() && certificate.isEmpty()) {
      throw tls.error(tls.path(CERTIFICATE), tls.node(PRIVATE_KEY), "required when " + tls.path(PRIVATE_KEY)
          + " is set (give both, or neither for a self-signed certificate)");
    }
    Duration reloadCheckInterval = DEFAULTS.reloadCheckInterval();
    if (tls.has(RELOAD_CHECK_INTERVAL)) {
      reloadCheckInterval = tls.duration(tls.node(RELOAD_CHECK_INTERVAL), tls.path(RELOAD_CHECK_INTERVAL));
      // 0s turns the watcher off; otherwise a sub-second poll would only burn CPU.
      if (!reloadCheckInterval.isZero()) {
        tls.within(reloadCheckInterval, tls.node(RELOAD_CHECK_INTERVAL), tls.path(RELOAD_CHECK_INTERVAL),
            Section.MIN_TIMEOUT, Section.MAX_TIMEOUT, " (or 0s to turn checking off)");
      }
    }
    TlsEngineKind engine =
        tls.choice(ENGINE, DEFAULTS.engine(), List.of(TlsEngineKind.values()), TlsEngineKind::configName);
    // BoringSSL is native code shipped for linux-x86_64 only: where it cannot load, the server
    // refuses to start here rather than fall back to the JDK behind the operator's back.
    Optional<String> unavailable = engine.unavailability();
    if (unavailable.isPresent()) {
      throw tls.error(ENGINE, engine.configName() + " cannot run here: " + unavailable.get() + "; use jdk (the default)");
    }
    KeyExchange keyExchange =
        tls.choice(KEY_EXCHANGE, DEFAULTS.keyExchange(), List.of(KeyExchange.values()), KeyExchange::configName);
    if (keyExchange == KeyExchange.HYBRID && engine != TlsEngineKind.BORINGSSL) {
      // The JDK's TLS (25) has no X25519MLKEM768: refused rather than quietly classic.
      throw tls.error(KEY_EXCHANGE, "hybrid (X25519MLKEM768) needs tls.engine: boringssl; the JDK's TLS has no hybrid group");
    }
    return builder()
        .certificate(certificate)
        .privateKey(privateKey)
        .reloadCheckInterval(reloadCheckInterval)
        .engine(engine)
        .keyExchange(keyExchange)
        .build();
  }

  /** A path that must name an existing, readable regular file. The file is not opened here. */
  static Optional<Path> readableFile(Section section, String key) throws ConfigException {
    Optional<Path> file = section.file(key);
    if (file.isEmpty()) {
      return file;
    }
    if (!Files.exists(file.get())) {
      throw section.error(key, "file " + file.get() + " does not exist");
    }
    if (!Files.isRegularFile(file.get())) {
      throw section.error(key, file.get() + " is not a regular file");
    }
    if (!Files.isReadable(file.get())) {
      throw section.error(key, "file " + file.get() + " is not readable by this process");
    }
    return file;
  }

  void write(ObjectNode tls) {
    certificate.ifPresent(p -> tls.put(CERTIFICATE, p.toString()));
    privateKey.ifPresent(p -> tls.put(PRIVATE_KEY, p.toString()));
    tls.put(RELOAD_CHECK_INTERVAL, DurationSyntax.format(reloadCheckInterval));
    tls.put(ENGINE, engine.configName());
    tls.put(KEY_EXCHANGE, keyExchange.configName());
  }

  /** The same with {@code engine} serving the SMTP listeners. */
  public TlsConfig withEngine(TlsEngineKind newEngine) {
    return toBuilder().engine(newEngine).build();
  }

  /** Whether the operator supplied certificate files (otherwise a self-signed one is generated). */
  public boolean hasCertificateFiles() {
    return certificate.isPresent();
  }

  /** The defaults (what an empty section reads as), to change some by name. */
  public static Builder builder() {
    return DEFAULTS.toBuilder();
  }

  /** A builder holding these settings, to change some by name. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The TLS settings by name; {@link #build()} checks that the certificate and key come together. */
  public static final class Builder {
    private Optional<Path> certificate;
    private Optional<Path> privateKey;
    private Duration reloadCheckInterval;
    private TlsEngineKind engine;
    private KeyExchange keyExchange;

    private Builder(TlsConfig from) {
      certificate = from.certificate;
      privateKey = from.privateKey;
      reloadCheckInterval = from.reloadCheckInterval;
      engine = from.engine;
      keyExchange = from.keyExchange;
    }

    public Builder keyExchange(KeyExchange value) {
      keyExchange = value;
      return this;
    }

    public Builder certificate(Optional<Path> value) {
      certificate = value;
      return this;
    }

    public Builder privateKey(Optional<Path> value) {
      privateKey = value;
      return this;
    }

    public Builder reloadCheckInterval(Duration value) {
      reloadCheckInterval = value;
      return this;
    }

    public Builder engine(TlsEngineKind value) {
      engine = value;
      return this;
    }

    public TlsConfig build() {
      return new TlsConfig(certificate, privateKey, reloadCheckInterval, engine, keyExchange);
    }
  }
}
