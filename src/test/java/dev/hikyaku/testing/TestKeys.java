package dev.hikyaku.testing;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * RSA-2048 key pairs for tests, made once per test run: the same pair for the same number, different
 * pairs for different numbers, so a test that needs two distinct keys (a signer and an impostor)
 * asks for two numbers. Finding RSA primes cost the quick loop a tenth of its CPU when every test
 * made its own; tests of key generation itself still generate.
 */
public final class TestKeys {

  /** How many there are: {@code rsa2048(0)} to {@code rsa2048(COUNT - 1)}. */
  public static final int COUNT = 4;

  private static final ConcurrentMap<Integer, KeyPair> MADE = new ConcurrentHashMap<>();
  private static final SecureRandom RANDOM = new SecureRandom();

  private TestKeys() {}

  /** Key pair number {@code which} (0 to {@link #COUNT} - 1). */
  public static KeyPair rsa2048(int which) {
    if (which < 0 || which >= COUNT) {
      throw new IllegalArgumentException("there are " + COUNT + " test RSA keys, numbered from 0; asked for " + which);
    }
    return MADE.computeIfAbsent(which, n -> {
      try {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048, RANDOM);
        return generator.generateKeyPair();
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    });
  }
}
