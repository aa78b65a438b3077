package dev.hikyaku.bench.jmh;

import dev.hikyaku.auth.credential.Argon2Parameters;
import dev.hikyaku.auth.credential.PasswordHasher;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@link PasswordHasher#verify} of a correct password at OWASP's minimum Argon2id cost (m = 19 MiB,
 * t = 2, p = 1): what an AUTH PLAIN login costs when the verification cache misses.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class PasswordBenchmark {

  private final char[] password = "correct horse battery staple".toCharArray();
  private PasswordHasher hasher;
  private String phc;

  @Setup
  public void hash() {
    hasher = new PasswordHasher(Argon2Parameters.owaspMinimum());
    phc = hasher.hash(password);
  }

  @Benchmark
  public boolean verify() {
    if (!hasher.verify(password, phc)) {
      throw new IllegalStateException("the right password did not verify");
    }
    return true;
  }
}
