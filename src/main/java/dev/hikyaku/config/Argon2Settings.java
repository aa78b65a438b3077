package dev.hikyaku.config;

import java.util.List;
import tools.jackson.databind.node.ObjectNode;

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

  private static final String MEMORY = "memory";
  private static final String ITERATIONS = "iterations";
  private static final String PARALLELISM = "parallelism";
  static final List<String> KEYS = List.of(MEMORY, ITERATIONS, PARALLELISM);

  /** OWASP Password Storage Cheat Sheet: the minimum for Argon2id is m=19 MiB, t=2, p=1. */
  static final Argon2Settings DEFAULTS = new Argon2Settings(19 * 1024, 2, 1);

  // Argon2id memory: below 8 MiB the hash is cheap to attack on GPUs; above 1 GiB a handful of
  // concurrent logins can exhaust the heap (each verification in progress holds this much).
  private static final long MIN_MEMORY = 8L * 1024 * 1024;
  private static final long MAX_MEMORY = 1024L * 1024 * 1024;
  private static final int MAX_PARALLELISM = 16;

  /** {@code auth.argon2}. */
  static Argon2Settings read(Section argon2) throws ConfigException {
    int memoryKiB = DEFAULTS.memoryKiB();
    if (argon2.has(MEMORY)) {
      long bytes = argon2.size(argon2.node(MEMORY), argon2.path(MEMORY));
      if (bytes < MIN_MEMORY || bytes > MAX_MEMORY) {
        throw argon2.error(MEMORY, "must be %s..%s, was %s"
            .formatted(SizeSyntax.format(MIN_MEMORY), SizeSyntax.format(MAX_MEMORY), SizeSyntax.format(bytes)));
      }
      // Argon2 counts memory in 1 KiB blocks (RFC 9106 §3.1).
      if (bytes % 1024 != 0) {
        throw argon2.error(MEMORY, "must be a whole number of KiB (Argon2 counts 1 KiB blocks), was " + bytes + " bytes");
      }
      memoryKiB = (int) (bytes / 1024);
    }
    return builder()
        .memoryKiB(memoryKiB)
        .iterations(argon2.positive(ITERATIONS, DEFAULTS.iterations()))
        .parallelism(argon2.integer(PARALLELISM, DEFAULTS.parallelism(), 1, MAX_PARALLELISM, ""))
        .build();
  }

  void write(ObjectNode argon2) {
    argon2.put(MEMORY, SizeSyntax.format(memoryKiB * 1024L));
    argon2.put(ITERATIONS, iterations);
    argon2.put(PARALLELISM, parallelism);
  }

  /** The defaults (what an empty section reads as), to change some by name. */
  public static Builder builder() {
    return DEFAULTS.toBuilder();
  }

  /** A builder holding these settings, to change some by name. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The Argon2id cost by name. */
  public static final class Builder {
    private int memoryKiB;
    private int iterations;
    private int parallelism;

    private Builder(Argon2Settings from) {
      memoryKiB = from.memoryKiB;
      iterations = from.iterations;
      parallelism = from.parallelism;
    }

    public Builder memoryKiB(int value) {
      memoryKiB = value;
      return this;
    }

    public Builder iterations(int value) {
      iterations = value;
      return this;
    }

    public Builder parallelism(int value) {
      parallelism = value;
      return this;
    }

    public Argon2Settings build() {
      return new Argon2Settings(memoryKiB, iterations, parallelism);
    }
  }
}
