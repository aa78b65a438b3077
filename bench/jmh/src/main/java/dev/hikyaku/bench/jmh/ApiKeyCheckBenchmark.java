package dev.hikyaku.bench.jmh;

import dev.hikyaku.auth.credential.GeneratedSecrets;
import dev.hikyaku.auth.credential.KeyedHash;
import dev.hikyaku.store.Account;
import dev.hikyaku.store.ApiKey;
import dev.hikyaku.store.Credentials;
import dev.hikyaku.store.FromHeaderPolicy;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What the API's bearer key check costs per request (issue 15), in its parts: the keyed hash of the
 * token with a Mac looked up and keyed per call ({@code GeneratedSecrets.keyedHash}, before) and
 * with one keyed Mac cloned ({@code KeyedHash}, after); and the two store reads (the key by keyed
 * hash, then its account) that a key remembered by {@code app.ApiKeyCache} no longer costs within
 * {@code auth.cache-ttl}. The store is SQLite in a fresh directory under bench/target.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ApiKeyCheckBenchmark {

  private final Clock clock = Clock.systemUTC();
  private Path directory;
  private Store store;
  private byte[] serverSecret;
  private KeyedHash keyedHash;
  private String token;
  private String hash;

  @Setup(Level.Trial)
  public void open() throws IOException, StoreException {
    directory = BenchDirectory.create("keys-");
    store = Store.openSqlite(directory, clock);
    store.domains().add("example.com");
    store.accounts().create("alice@example.com", Credentials.none(), FromHeaderPolicy.REJECT);
    serverSecret = store.serverSecret().value();
    keyedHash = new KeyedHash(serverSecret);
    token = GeneratedSecrets.newApiKey(new SecureRandom());
    hash = GeneratedSecrets.keyedHash(serverSecret, token);
    store.apiKeys().add("alice@example.com", "app", hash, EnumSet.of(ApiKey.Scope.SEND), List.of(), List.of(),
        ApiKey.Limits.NONE);
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    store.close();
    BenchDirectory.delete(directory);
  }

  @Benchmark
  public String keyedHashNewMac() {
    return GeneratedSecrets.keyedHash(serverSecret, token);
  }

  @Benchmark
  public String keyedHashClonedMac() {
    return keyedHash.of(token);
  }

  @Benchmark
  public Optional<Account> storeLookups() throws StoreException {
    Optional<ApiKey> key = store.apiKeys().find(hash);
    return store.accounts().find(key.orElseThrow().account());
  }
}
