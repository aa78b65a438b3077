package dev.hikyaku.config;

/**
 * Cost of Argon2id (RFC 9106) for hashing human passwords. The defaults are OWASP's minimum for
 * Argon2id (19 MiB, 2 passes, 1 lane); the config rules are stricter than RFC 9106's own limits.
 *
 * @param memoryKiB memory per hash in KiB ({@code m}); at least 8 per lane (RFC 9106 §3.1)
 * @param iterations passes over the memory ({@code t}); at least 1
 * @param parallelism lanes ({@code p}); at least 1
 */
public record Argon2Settings(int memoryKiB, int iterations, int parallelism) {

  public Argon2Settings {
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1, was " + parallelism);
    }
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations must be at least 1, was " + iterations);
    }
    // RFC 9106 §3.1: m is at least 8p KiB.
    if (memoryKiB < 8 * parallelism) {
      throw new IllegalArgumentException(
          "memoryKiB must be at least 8 per lane, was " + memoryKiB + " for " + parallelism);
    }
  }
}
