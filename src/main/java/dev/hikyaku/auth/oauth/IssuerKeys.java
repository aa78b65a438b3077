package dev.hikyaku.auth.oauth;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public keys one issuer signs with, from its JWKS URI or a local JWKS file, cached.
 *
 * <p>Rules (times from the injected clock):
 *
 * <ul>
 *   <li>URI: a fetched set is fresh for {@link #FRESH_FOR}; after that the next lookup fetches again.
 *       A token naming a key id the set lacks triggers a fetch (key rotation), at most one fetch per
 *       {@link #MIN_FETCH_INTERVAL} so a client cannot make us hammer the issuer with invented key ids.
 *       A failed fetch is not retried within that interval either. While fetches fail, the last good
 *       set stays usable until {@link #USABLE_FOR} after it was fetched (outage tolerance); after that,
 *       or with no set yet, lookups are {@link Lookup.Unreachable}.
 *   <li>File: re-read whenever its size, modification time or file key changes, and (for file systems
 *       with coarse timestamps) on an unknown key id at most once per {@link #MIN_FETCH_INTERVAL}. A
 *       file that fails to read or parse leaves the previous keys in force and is logged (as TLS
 *       reload does); with no previous keys, lookups are {@link Lookup.Unreachable}.
 *   <li>Only public asymmetric keys are kept ({@link JWKSet#toPublicJWKSet()} drops private parts and
 *       every symmetric "oct" key), so an HMAC algorithm can never be verified with a JWKS entry.
 * </ul>
 *
 * <p>Lookups that can be answered from the current set take no lock; loads are serialised by a
 * {@link ReentrantLock} (virtual threads may block here during a fetch).
 */
final class IssuerKeys implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(IssuerKeys.class);

  static final Duration FRESH_FOR = Duration.ofMinutes(5);

  static final Duration USABLE_FOR = Duration.ofHours(1);

  static final Duration MIN_FETCH_INTERVAL = Duration.ofSeconds(30);

  static final Duration FETCH_TIMEOUT = Duration.ofSeconds(5);

  /** Real JWK Sets are a few KiB; refuse anything that could only be a mistake or an attack. */
  static final int MAX_JWKS_BYTES = 512 * 1024;

  /** The outcome of looking up verification keys for one token. */
  sealed interface Lookup {
    /** Candidate keys: those with the token's key id, or every key when the token names none. */
    record Found(List<JWK> keys) implements Lookup {}

    record UnknownKeyId(String keyId) implements Lookup {}

    record Unreachable(String reason) implements Lookup {}
  }

  private sealed interface Source {
    record Remote(URI uri, HttpClient http) implements Source {}

    record LocalFile(Path path) implements Source {}
  }

  /** Identifies one content of the JWKS file without reading it. */
  private record FileVersion(FileTime modified, long size, Object fileKey) {}

  /** A loaded set; {@code version} is the file's version, or null for a URI. */
  private record Snapshot(JWKSet keys, Instant loadedAt, FileVersion version) {}

  private final String issuer;
  private final Source source;
  private final Clock clock;
  private final ReentrantLock lock = new ReentrantLock();

  private volatile Snapshot snapshot;

  // Guarded by lock.
  private Instant lastAttemptAt;
  private String lastFailure;
  private FileVersion failedVersion;
  private boolean isClosed;

  IssuerKeys(OAuthIssuer issuer, Clock clock) {
    this.issuer = issuer.issuer();
    this.clock = Objects.requireNonNull(clock, "clock");
    if (issuer.jwksUri().isPresent()) {
      URI uri = issuer.jwksUri().get();
      if (uri.getScheme().equalsIgnoreCase("http") && !isLoopback(uri.getHost())) {
        LOG.warn("JWKS for issuer {} is fetched over plain http from {}: anyone on the path can substitute keys", issuer.issuer(), uri);
      }
      // Redirects are not followed: an https JWKS URI must not be downgraded or moved by a 3xx.
      HttpClient http =
          HttpClient.newBuilder()
              .connectTimeout(FETCH_TIMEOUT)
              .followRedirects(HttpClient.Redirect.NEVER)
              .build();
      this.source = new Source.Remote(uri, http);
    } else {
      this.source = new Source.LocalFile(issuer.jwksFile().orElseThrow());
    }
  }

  /** Keys to try for a token that names {@code keyId} (or none). */
  Lookup find(Optional<String> keyId) {
    Snapshot current = snapshot;
    if (current != null && isCurrent(current, clock.instant()) && !candidates(current, keyId).isEmpty()) {
      return new Lookup.Found(candidates(current, keyId));
    }
    lock.lock();
    try {
      if (isClosed) {
        return new Lookup.Unreachable("validator for issuer " + issuer + " is closed");
      }
      return switch (source) {
        case Source.Remote remote -> findRemote(remote, keyId);
        case Source.LocalFile file -> findInFile(file, keyId);
      };
    } finally {
      lock.unlock();
    }
  }

  private boolean isCurrent(Snapshot s, Instant now) {
    return switch (source) {
      case Source.Remote r -> now.isBefore(s.loadedAt().plus(FRESH_FOR));
      case Source.LocalFile f -> s.version().equals(versionOf(f.path()).orElse(null));
    };
  }

  private Lookup findRemote(Source.Remote remote, Optional<String> keyId) {
    Instant now = clock.instant();
    Snapshot current = snapshot;
    boolean isFresh = current != null && now.isBefore(current.loadedAt().plus(FRESH_FOR));
    if (isFresh && !candidates(current, keyId).isEmpty()) {
      return new Lookup.Found(candidates(current, keyId));
    }
    if (mayAttempt(now)) {
      lastAttemptAt = now;
      Optional<JWKSet> fetched = fetch(remote);
      if (fetched.isPresent()) {
        snapshot = new Snapshot(fetched.get(), now, null);
        return lookupIn(snapshot, keyId);
      }
    }
    // No fetch allowed now, or it failed: fall back to the last good set while it is still usable.
    current = snapshot;
    boolean isUsable = current != null && now.isBefore(current.loadedAt().plus(USABLE_FOR));
    if (isUsable && !candidates(current, keyId).isEmpty()) {
      return new Lookup.Found(candidates(current, keyId));
    }
    if (lastFailure != null) {
      return new Lookup.Unreachable(lastFailure + " (next attempt after " + lastAttemptAt.plus(MIN_FETCH_INTERVAL) + ")");
    }
    if (!isUsable) {
      return new Lookup.Unreachable("JWKS for issuer " + issuer + " from " + remote.uri() + " expired and not yet refetched");
    }
    return unknown(keyId);
  }

  private Lookup findInFile(Source.LocalFile file, Optional<String> keyId) {
    Instant now = clock.instant();
    Optional<FileVersion> version = versionOf(file.path());
    Snapshot current = snapshot;
    if (version.isEmpty()) {
      recordFailure("JWKS file " + file.path() + " for issuer " + issuer + " cannot be read (missing or not accessible)", null);
    } else {
      boolean hasChanged = current == null || !current.version().equals(version.get());
      boolean isKnownBad = version.get().equals(failedVersion);
      boolean lacksKey = current != null && candidates(current, keyId).isEmpty();
      if ((hasChanged && !isKnownBad) || (lacksKey && mayAttempt(now))) {
        lastAttemptAt = now;
        read(file, version.get()).ifPresent(keys -> snapshot = new Snapshot(keys, now, version.get()));
      }
    }
    current = snapshot;
    if (current != null && !candidates(current, keyId).isEmpty()) {
      return new Lookup.Found(candidates(current, keyId));
    }
    if (current == null || lastFailure != null) {
      return new Lookup.Unreachable(Objects.requireNonNullElse(lastFailure, "JWKS file " + file.path() + " not loaded"));
    }
    return unknown(keyId);
  }

  private boolean mayAttempt(Instant now) {
    return lastAttemptAt == null || !now.isBefore(lastAttemptAt.plus(MIN_FETCH_INTERVAL));
  }

  private Lookup lookupIn(Snapshot s, Optional<String> keyId) {
    List<JWK> keys = candidates(s, keyId);
    return keys.isEmpty() ? unknown(keyId) : new Lookup.Found(keys);
  }

  private static Lookup unknown(Optional<String> keyId) {
    // Without a key id every key is a candidate, so "unknown" can only mean an empty set.
    return new Lookup.UnknownKeyId(keyId.orElse(""));
  }

  private static List<JWK> candidates(Snapshot s, Optional<String> keyId) {
    if (keyId.isEmpty()) {
      return s.keys().getKeys();
    }
    return s.keys().getKeys().stream().filter(k -> keyId.get().equals(k.getKeyID())).toList();
  }

  private Optional<JWKSet> fetch(Source.Remote remote) {
    HttpRequest request =
        HttpRequest.newBuilder(remote.uri())
            .timeout(FETCH_TIMEOUT)
            .header("Accept", "application/jwk-set+json, application/json")
            .GET()
            .build();
    String where = "JWKS for issuer " + issuer + " from " + remote.uri();
    try {
      HttpResponse<InputStream> response = remote.http().send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream body = response.body()) {
        if (response.statusCode() != 200) {
          recordFailure(where + " failed: HTTP " + response.statusCode(), null);
          return Optional.empty();
        }
        byte[] bytes = body.readNBytes(MAX_JWKS_BYTES + 1);
        if (bytes.length > MAX_JWKS_BYTES) {
          recordFailure(where + " failed: larger than " + MAX_JWKS_BYTES + " bytes", null);
          return Optional.empty();
        }
        return parse(where, new String(bytes, StandardCharsets.UTF_8), null);
      }
    } catch (HttpTimeoutException e) {
      recordFailure(where + " failed: no answer within " + FETCH_TIMEOUT.toSeconds() + " s", null);
    } catch (IOException e) {
      recordFailure(where + " failed: " + describe(e), null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      recordFailure(where + " interrupted", null);
    }
    return Optional.empty();
  }

  private Optional<JWKSet> read(Source.LocalFile file, FileVersion version) {
    String where = "JWKS file " + file.path() + " for issuer " + issuer;
    try {
      if (Files.size(file.path()) > MAX_JWKS_BYTES) {
        recordFailure(where + " is larger than " + MAX_JWKS_BYTES + " bytes", version);
        return Optional.empty();
      }
      return parse(where, Files.readString(file.path(), StandardCharsets.UTF_8), version);
    } catch (IOException e) {
      recordFailure(where + " cannot be read: " + describe(e), version);
      return Optional.empty();
    }
  }

  private Optional<JWKSet> parse(String where, String json, FileVersion version) {
    JWKSet parsed;
    try {
      parsed = JWKSet.parse(json);
    } catch (ParseException e) {
      recordFailure(where + " is not a JWK Set (RFC 7517 §5): " + e.getMessage(), version);
      return Optional.empty();
    }
    if (parsed.containsNonPublicKeys()) {
      // Only the public halves are kept; private or symmetric material has no business in a JWKS.
      LOG.warn("{} contains private or symmetric keys: they are ignored, publish only public keys", where);
    }
    JWKSet keys = parsed.toPublicJWKSet();
    if (lastFailure != null) {
      LOG.info("{} loaded again after failure", where);
    }
    lastFailure = null;
    failedVersion = null;
    LOG.info("{}: {} public key(s), key ids {}", where, keys.size(), keys.getKeys().stream().map(JWK::getKeyID).toList());
    return Optional.of(keys);
  }

  private void recordFailure(String reason, FileVersion version) {
    if (!reason.equals(lastFailure)) {
      LOG.error("{}", reason);
    }
    lastFailure = reason;
    failedVersion = version;
  }

  private static Optional<FileVersion> versionOf(Path path) {
    try {
      BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
      return Optional.of(new FileVersion(a.lastModifiedTime(), a.size(), a.fileKey()));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static boolean isLoopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1");
  }

  static String describe(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  @Override
  public void close() {
    lock.lock();
    try {
      isClosed = true;
      snapshot = null;
      if (source instanceof Source.Remote remote) {
        remote.http().close();
      }
    } finally {
      lock.unlock();
    }
  }
}
