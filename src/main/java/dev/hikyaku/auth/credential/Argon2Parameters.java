package dev.hikyaku.auth.credential;

/**
 * The cost of one Argon2id hash (RFC 9106 §3.1): memory in KiB, passes over that memory, and lanes.
 *
 * <p>RFC 9106 allows far more than this server will ever spend (m up to 4 TiB, p up to 2^24 − 1).
 * The upper bounds here are ours: the same bounds decide whether a stored PHC string is well
 * formed, so a corrupted record cannot make one verification allocate gigabytes or run for minutes.
 *
 * @param memoryKiB m, the memory size in KiB; 8 × parallelism (RFC 9106 §3.1) to 1 GiB
 * @param iterations t, the number of passes; 1 to 256
 * @param parallelism p, the number of lanes; 1 to 64
 */
public record Argon2Parameters(int memoryKiB, int iterations, int parallelism) {

  static final int MAX_MEMORY_KIB = 1 << 20;
  static final int MAX_ITERATIONS = 256;
  static final int MAX_PARALLELISM = 64;

  public Argon2Parameters {
    if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
      throw new IllegalArgumentException(
          "Argon2 parallelism must be 1.." + MAX_PARALLELISM + ", got " + parallelism);
    }
    // RFC 9106 §3.1: m is at least 8 × p KiB.
    if (memoryKiB < 8 * parallelism || memoryKiB > MAX_MEMORY_KIB) {
      throw new IllegalArgumentException(
          "Argon2 memory must be "
              + 8 * parallelism
              + ".."
              + MAX_MEMORY_KIB
              + " KiB, got "
              + memoryKiB);
    }
    if (iterations < 1 || iterations > MAX_ITERATIONS) {
      throw new IllegalArgumentException(
          "Argon2 iterations must be 1.." + MAX_ITERATIONS + ", got " + iterations);
    }
  }

  /**
   * The OWASP Password Storage Cheat Sheet's minimum for Argon2id: 19 MiB, two passes, one lane.
   * The config's default ({@code config.Defaults.ARGON2}) is this floor; tests and the password
   * benchmark ({@code bench/jmh}) hash at it.
   */
  public static Argon2Parameters owaspMinimum() {
    return new Argon2Parameters(19 * 1024, 2, 1);
  }

  /**
   * Whether a hash made with these parameters costs an attacker less than one made with {@code
   * other}.
   */
  public boolean isWeakerThan(Argon2Parameters other) {
    return memoryKiB < other.memoryKiB || iterations < other.iterations;
  }
}
