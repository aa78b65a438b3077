package dev.hikyaku.store;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * A DKIM key as the store keeps it. The private key's octets never appear in {@link #toString()}.
 *
 * @param algorithm the a= tag: rsa-sha256 or ed25519-sha256
 * @param privateKey PKCS#8 DER
 * @param publicKey X.509 SubjectPublicKeyInfo DER
 * @param state pending, active or retired
 */
public record SigningKey(
    String domain, String selector, String algorithm, byte[] privateKey, byte[] publicKey, String state, Instant createdAt) {

  public SigningKey {
    Objects.requireNonNull(domain, "domain");
    Objects.requireNonNull(selector, "selector");
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(publicKey, "publicKey");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(createdAt, "createdAt");
  }

  @Override
  public String toString() {
    return "SigningKey[" + selector + "._domainkey." + domain + ", " + algorithm + ", " + state + ", private key (hidden)]";
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof SigningKey that && domain.equals(that.domain) && selector.equals(that.selector)
        && algorithm.equals(that.algorithm) && Arrays.equals(privateKey, that.privateKey)
        && Arrays.equals(publicKey, that.publicKey) && state.equals(that.state) && createdAt.equals(that.createdAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(domain, selector, algorithm, state, createdAt);
  }
}
