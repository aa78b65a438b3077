package dev.hikyaku.net;

import static dev.hikyaku.net.TlsLoopback.HOSTNAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hikyaku.net.TestCertificates.KeyAlgorithm;
import dev.hikyaku.net.TestCertificates.KeyFormat;
import dev.hikyaku.net.TestCertificates.PemFiles;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemHeader;
import org.bouncycastle.util.io.pem.PemObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Loading PEM files: every supported key format, and clear refusals that never quote a key. */
class TlsContextsPemTest {

  @TempDir Path dir;

  private static TestCertificates certificates(KeyAlgorithm algorithm) {
    return TestCertificates.selfSigned(
        algorithm,
        HOSTNAME,
        Instant.now().minus(Duration.ofHours(1)),
        Instant.now().plus(Duration.ofDays(1)));
  }

  private static TlsSetupException failureOf(Path certificate, Path key) {
    return catchThrowableOfType(
        TlsSetupException.class, () -> TlsContexts.fromPem(certificate, key, Duration.ZERO));
  }

  @ParameterizedTest(name = "{0} key as {1} ({2})")
  @CsvSource({
    "RSA_2048, PKCS8, -----BEGIN PRIVATE KEY-----",
    "RSA_2048, TRADITIONAL, -----BEGIN RSA PRIVATE KEY-----",
    "EC_P256, PKCS8, -----BEGIN PRIVATE KEY-----",
    "EC_P256, TRADITIONAL, -----BEGIN EC PRIVATE KEY-----",
  })
  void loadsEveryKeyFormatAndServesIt(KeyAlgorithm algorithm, KeyFormat format, String armor)
      throws Exception {
    TestCertificates server = certificates(algorithm).withKeyFormat(format);
    PemFiles files = server.writeTo(dir);
    assertThat(Files.readString(files.privateKey())).startsWith(armor);

    try (TlsContexts tls =
            TlsContexts.fromPem(files.certificateChain(), files.privateKey(), Duration.ZERO);
        var loopback = new TlsLoopback(tls)) {
      assertThat(tls.currentCertificate()).isEqualTo(server.certificate());
      assertThat(loopback.handshake(server.clientContext()).leaf())
          .isEqualTo(server.certificate());
    }
  }

  @Test
  void acceptsEcParametersBlockBeforeSec1Key() throws Exception {
    // openssl ecparam -genkey -name prime256v1 writes the curve OID first.
    TestCertificates server = certificates(KeyAlgorithm.EC_P256).withKeyFormat(KeyFormat.TRADITIONAL);
    PemFiles files = server.writeTo(dir);
    Files.writeString(
        files.privateKey(),
        "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
            + server.privateKeyPem());

    try (TlsContexts tls =
        TlsContexts.fromPem(files.certificateChain(), files.privateKey(), Duration.ZERO)) {
      assertThat(tls.currentCertificate()).isEqualTo(server.certificate());
    }
  }

  @Test
  void acceptsOneFileHoldingKeyAndChain() throws Exception {
    TestCertificates server = TestCertificates.ecdsaWithIntermediate(HOSTNAME);
    Path combined = dir.resolve("combined.pem");
    Files.writeString(combined, server.privateKeyPem() + server.certificateChainPem());

    try (TlsContexts tls = TlsContexts.fromPem(combined, combined, Duration.ZERO);
        var loopback = new TlsLoopback(tls)) {
      assertThat(loopback.handshake(server.clientContext()).peerChain())
          .containsExactlyElementsOf(server.chain());
    }
  }

  @Test
  void mismatchedKeyAndCertificateFailNamingTheFile() {
    TestCertificates first = TestCertificates.ecdsa(HOSTNAME);
    TestCertificates second = TestCertificates.ecdsa(HOSTNAME);
    Path certificate = first.writeTo(dir).certificateChain();
    Path key = second.writeTo(dir.resolve("other-cert.pem"), dir.resolve("other-key.pem")).privateKey();

    TlsSetupException failure = failureOf(certificate, key);

    assertThat(failure.file()).isEqualTo(key);
    assertThat(failure.getMessage())
        .contains(key.toString())
        .contains(certificate.toString())
        .contains("does not match");
    KeyMaterial.assertNotQuoted(KeyMaterial.everythingSaidBy(failure), second.privateKeyPem());
  }

  @Test
  void keyOfAnotherAlgorithmThanTheCertificateFailsSayingSo() {
    TestCertificates ecdsa = TestCertificates.ecdsa(HOSTNAME);
    TestCertificates rsa = TestCertificates.rsa(HOSTNAME);
    Path certificate = ecdsa.writeTo(dir).certificateChain();
    Path key = rsa.writeTo(dir.resolve("rsa-cert.pem"), dir.resolve("rsa-key.pem")).privateKey();

    TlsSetupException failure = failureOf(certificate, key);

    assertThat(failure.file()).isEqualTo(key);
    assertThat(failure.getMessage()).contains("private key of type RSA")
        .contains("public key of type EC");
  }

  @Test
  void chainWithTheServerCertificateNotFirstFailsNamingTheOrder() throws Exception {
    TestCertificates server = TestCertificates.ecdsaWithIntermediate(HOSTNAME);
    PemFiles files = server.writeTo(dir);
    var reversed = new StringWriter();
    try (var writer = new JcaPEMWriter(reversed)) {
      writer.writeObject(server.chain().get(1));
      writer.writeObject(server.chain().get(0));
    }
    Files.writeString(files.certificateChain(), reversed.toString());

    TlsSetupException failure = failureOf(files.certificateChain(), files.privateKey());

    assertThat(failure.file()).isEqualTo(files.certificateChain());
    assertThat(failure.getMessage()).contains("position 2").contains("must come first");
  }

  @Test
  void garbageKeyFileFailsClearlyWithoutQuotingIt() throws Exception {
    PemFiles files = TestCertificates.ecdsa(HOSTNAME).writeTo(dir);
    byte[] junk = new byte[600];
    new SecureRandom().nextBytes(junk);
    String garbage =
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(junk)
            + "\n-----END PRIVATE KEY-----\n";
    Files.writeString(files.privateKey(), garbage);

    TlsSetupException failure = failureOf(files.certificateChain(), files.privateKey());

    assertThat(failure.file()).isEqualTo(files.privateKey());
    assertThat(failure.getMessage())
        .startsWith(files.privateKey() + ": ")
        .contains("not a readable PEM private key");
    assertThat(failure.getCause()).isNull();
    KeyMaterial.assertNotQuoted(KeyMaterial.everythingSaidBy(failure), garbage);
  }

  @Test
  void halfWrittenKeyFileFailsWithoutQuotingIt() throws Exception {
    TestCertificates server = TestCertificates.rsa(HOSTNAME);
    PemFiles files = server.writeTo(dir);
    String pem = server.privateKeyPem();
    Files.writeString(files.privateKey(), pem.substring(0, pem.length() / 2));

    TlsSetupException failure = failureOf(files.certificateChain(), files.privateKey());

    assertThat(failure.file()).isEqualTo(files.privateKey());
    assertThat(failure.getMessage()).contains("not a readable PEM private key");
    KeyMaterial.assertNotQuoted(KeyMaterial.everythingSaidBy(failure), pem);
  }

  @Test
  void keyFileWithoutAnyKeyFailsSayingWhatWasExpected() throws Exception {
    PemFiles files = TestCertificates.ecdsa(HOSTNAME).writeTo(dir);
    Files.writeString(files.privateKey(), "this is not a key\n");

    TlsSetupException failure = failureOf(files.certificateChain(), files.privateKey());

    assertThat(failure.file()).isEqualTo(files.privateKey());
    assertThat(failure.getMessage())
        .contains("holds no private key")
        .contains("PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY");
  }

  @Test
  void encryptedPkcs8KeyIsRefusedWithAdvice() throws Exception {
    TestCertificates server = TestCertificates.ecdsa(HOSTNAME);
    PemFiles files = server.writeTo(dir);
    // PKCS#8 EncryptedPrivateKeyInfo (RFC 5208 §6), as openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES writes.
    var cipher = Cipher.getInstance("PBEWithSHA1AndDESede");
    cipher.init(
        Cipher.ENCRYPT_MODE,
        SecretKeyFactory.getInstance("PBEWithSHA1AndDESede")
            .generateSecret(new PBEKeySpec("secret".toCharArray())),
        new PBEParameterSpec(new byte[8], 2048));
    byte[] encrypted = cipher.doFinal(server.privateKey().getEncoded());
    var info = new EncryptedPrivateKeyInfo(cipher.getParameters(), encrypted);
    var text = new StringWriter();
    try (var writer = new JcaPEMWriter(text)) {
      writer.writeObject(new PemObject("ENCRYPTED PRIVATE KEY", info.getEncoded()));
    }
    Files.writeString(files.privateKey(), text.toString());

    TlsSetupException failure = failureOf(files.certificateChain(), files.privateKey());

    assertThat(failure.file()).isEqualTo(files.privateKey());
    assertThat(failure.getMessage()).contains("encrypted private key").contains("openssl pkey");
  }

  @Test
  void encryptedTraditionalKeyIsRefusedWithAdvice() throws Exception {
    TestCertificates server = TestCertificates.rsa(HOSTNAME);
    PemFiles files = server.writeTo(dir);
    // "Proc-Type: 4,ENCRYPTED" with a DEK-Info header, as openssl rsa -aes256 writes it (RFC 1421
    // §4.6.1). The server must refuse it from the headers alone, so the key derivation is not
    // openssl's; the body is still real ciphertext.
    byte[] iv = new byte[16];
    new SecureRandom().nextBytes(iv);
    var aes = Cipher.getInstance("AES/CBC/PKCS5Padding");
    aes.init(
        Cipher.ENCRYPT_MODE,
        KeyGenerator.getInstance("AES").generateKey(),
        new IvParameterSpec(iv));
    byte[] encrypted = aes.doFinal(server.privateKey().getEncoded());
    var text = new StringWriter();
    try (var writer = new JcaPEMWriter(text)) {
      writer.writeObject(
          new PemObject(
              "RSA PRIVATE KEY",
              List.of(
                  new PemHeader("Proc-Type", "4,ENCRYPTED"),
                  new PemHeader("DEK-Info", "AES-256-CBC," + HexFormat.of().withUpperCase().formatHex(iv))),
              encrypted));
    }
    assertThat(text.toString()).contains("Proc-Type: 4,ENCRYPTED");
    Files.writeString(files.privateKey(), text.toString());

    TlsSetupException failure = failureOf(files.certificateChain(), files.privateKey());

    assertThat(failure.file()).isEqualTo(files.privateKey());
    assertThat(failure.getMessage()).contains("encrypted private key");
  }

  @Test
  void emptyCertificateFileFailsNamingIt() throws Exception {
    PemFiles files = TestCertificates.ecdsa(HOSTNAME).writeTo(dir);
    Files.writeString(files.certificateChain(), "");

    TlsSetupException failure = failureOf(files.certificateChain(), files.privateKey());

    assertThat(failure.file()).isEqualTo(files.certificateChain());
    assertThat(failure.getMessage()).contains("holds no PEM CERTIFICATE block");
  }

  @Test
  void missingFileFailsNamingIt() {
    PemFiles files = TestCertificates.ecdsa(HOSTNAME).writeTo(dir);
    Path missing = dir.resolve("missing-key.pem");

    TlsSetupException failure = failureOf(files.certificateChain(), missing);

    assertThat(failure.file()).isEqualTo(missing);
    assertThat(failure.getMessage()).isEqualTo(missing + ": does not exist");
  }
}
