package dev.hikyaku.bench.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;

/**
 * A self-signed server identity made by the JDK's keytool (so the harness needs no code of its own
 * to issue certificates), kept as objects for Netty and as PEM files for {@code TlsContexts.fromPem}.
 */
record ServerKeys(String name, PrivateKey key, X509Certificate certificate, Path certificateFile, Path keyFile) {

  /** RSA-2048 with SHA256withRSA, or ECDSA P-256 with SHA256withECDSA. */
  static ServerKeys generate(Path directory, boolean isEcdsa) throws IOException, GeneralSecurityException, InterruptedException {
    String name = isEcdsa ? "ecdsa-p256" : "rsa-2048";
    Path store = directory.resolve(name + ".p12");
    Files.deleteIfExists(store);
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    var command = new java.util.ArrayList<>(java.util.List.of(
        keytool, "-genkeypair", "-alias", "server", "-keystore", store.toString(), "-storetype", "PKCS12",
        "-storepass", "benchmark", "-dname", "CN=mail.bench.example", "-ext", "san=dns:mail.bench.example",
        "-validity", "30"));
    if (isEcdsa) {
      command.addAll(java.util.List.of("-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA"));
    } else {
      command.addAll(java.util.List.of("-keyalg", "RSA", "-keysize", "2048", "-sigalg", "SHA256withRSA"));
    }
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      throw new IOException("keytool failed: " + output);
    }
    KeyStore keyStore = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(store)) {
      keyStore.load(in, "benchmark".toCharArray());
    }
    PrivateKey key = (PrivateKey) keyStore.getKey("server", "benchmark".toCharArray());
    X509Certificate certificate = (X509Certificate) keyStore.getCertificate("server");
    Path certificateFile = directory.resolve(name + "-cert.pem");
    Path keyFile = directory.resolve(name + "-key.pem");
    Files.writeString(certificateFile, pem("CERTIFICATE", certificate.getEncoded()));
    Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()));
    return new ServerKeys(name, key, certificate, certificateFile, keyFile);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
