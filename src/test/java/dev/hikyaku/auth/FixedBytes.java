package dev.hikyaku.auth;

import java.util.random.RandomGenerator;

/**
 * A "random" source that hands out one fixed byte string, to replay published vectors whose salt or
 * nonce is given. Anything but a {@code nextBytes} of exactly that length is a test bug.
 */
public record FixedBytes(byte[] bytes) implements RandomGenerator {

  @Override
  public void nextBytes(byte[] out) {
    if (out.length != bytes.length) {
      throw new IllegalStateException(
          "asked for " + out.length + " bytes, the vector has " + bytes.length);
    }
    System.arraycopy(bytes, 0, out, 0, out.length);
  }

  @Override
  public long nextLong() {
    throw new UnsupportedOperationException("FixedBytes only serves nextBytes");
  }
}
