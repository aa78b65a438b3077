package dev.hikyaku.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.dns.Tlsa;
import dev.hikyaku.net.TestCertificates;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * RFC 7672 §3 and RFC 6698 §2.1: which certificate chains DANE-EE and DANE-TA records authenticate,
 * on chains made for the test (a self-signed leaf; a leaf under an intermediate under a root).
 */
class DaneTrustTest {

  private static final String HOST = "mx.example.test";
  private static final Clock CLOCK = Clock.systemUTC();

  @Test
  void daneEeMatchesTheServersKeyOrCertificateWhateverItsNameAndDates() throws Exception {
    Instant longAgo = Instant.now().minus(Duration.ofDays(400));
    TestCertificates expired = TestCertificates.selfSigned(
        TestCertificates.KeyAlgorithm.EC_P256, "another.name.test", longAgo, longAgo.plus(Duration.ofDays(30)));
    X509Certificate[] chain = expired.chain().toArray(X509Certificate[]::new);
    for (Tlsa record : List.of(
        new Tlsa(3, 1, 1, sha256(chain[0].getPublicKey().getEncoded())),
        new Tlsa(3, 0, 1, sha256(chain[0].getEncoded())),
        new Tlsa(3, 1, 2, MessageDigest.getInstance("SHA-512").digest(chain[0].getPublicKey().getEncoded())),
        new Tlsa(3, 1, 0, chain[0].getPublicKey().getEncoded()))) {
      assertThatCode(() -> trust(record).checkServerTrusted(chain, "ECDHE_ECDSA")).as(record.toString()).doesNotThrowAnyException();
    }
  }

  @Test
  void daneEeRefusesAnotherKey() {
    X509Certificate[] chain = TestCertificates.ecdsa(HOST).chain().toArray(X509Certificate[]::new);
    assertThatThrownBy(() -> trust(new Tlsa(3, 1, 1, new byte[32])).checkServerTrusted(chain, "ECDHE_ECDSA"))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("matches none of its TLSA records");
  }

  @Test
  void daneTaAuthenticatesAChainUpToTheNamedAnchorThatNamesTheHost() throws Exception {
    TestCertificates issued = TestCertificates.ecdsaWithIntermediate(HOST);
    X509Certificate[] chain = issued.chain().toArray(X509Certificate[]::new);
    Tlsa intermediate = new Tlsa(2, 0, 1, sha256(chain[1].getEncoded()));
    assertThatCode(() -> trust(intermediate).checkServerTrusted(chain, "ECDHE_ECDSA")).doesNotThrowAnyException();
    Tlsa byKey = new Tlsa(2, 1, 1, sha256(chain[1].getPublicKey().getEncoded()));
    assertThatCode(() -> trust(byKey).checkServerTrusted(chain, "ECDHE_ECDSA")).doesNotThrowAnyException();
  }

  @Test
  void daneTaChecksTheName() throws Exception {
    TestCertificates issued = TestCertificates.ecdsaWithIntermediate("other.example.test");
    X509Certificate[] chain = issued.chain().toArray(X509Certificate[]::new);
    Tlsa intermediate = new Tlsa(2, 0, 1, sha256(chain[1].getEncoded()));
    assertThatThrownBy(() -> trust(intermediate).checkServerTrusted(chain, "ECDHE_ECDSA"))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("does not name " + HOST);
  }

  @Test
  void daneTaNeverTakesTheServersOwnCertificateAsTheAnchor() throws Exception {
    X509Certificate[] chain = TestCertificates.ecdsaWithIntermediate(HOST).chain().toArray(X509Certificate[]::new);
    Tlsa leaf = new Tlsa(2, 0, 1, sha256(chain[0].getEncoded()));
    assertThatThrownBy(() -> trust(leaf).checkServerTrusted(chain, "ECDHE_ECDSA")).isInstanceOf(CertificateException.class);
  }

  @Test
  void pkixRecordsAreNotUsableForSmtp() {
    assertThat(new Tlsa(0, 0, 1, new byte[32]).isUsableForSmtp()).isFalse();
    assertThat(new Tlsa(1, 1, 1, new byte[32]).isUsableForSmtp()).isFalse();
    assertThat(new Tlsa(3, 1, 3, new byte[32]).isUsableForSmtp()).as("an unknown matching type").isFalse();
    assertThat(new Tlsa(3, 1, 1, new byte[32]).isUsableForSmtp()).isTrue();
    assertThatThrownBy(() -> new DaneTrust(List.of(new Tlsa(1, 1, 1, new byte[32])), HOST, CLOCK))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static DaneTrust trust(Tlsa record) {
    return new DaneTrust(List.of(record), HOST, CLOCK);
  }

  private static byte[] sha256(byte[] data) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(data);
  }
}
