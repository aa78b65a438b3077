package dev.hikyaku.net;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The TLS 1.3 exporter (RFC 8446 §7.5) computed from the exporter_master_secret, for the engine
 * that cannot export itself (BoringSSL through tcnative 2.0.84, see {@link ExporterKeyLog}). JSSE
 * connections use the JDK's own exporter; the two agree (TlsEngineHandshakeTest compares them).
 */
final class TlsExporter {

  // RFC 9266 §2: label and length of the tls-exporter channel binding, with an empty context.
  static final String CHANNEL_BINDING_LABEL = "EXPORTER-Channel-Binding";
  static final int CHANNEL_BINDING_LENGTH = 32;

  private TlsExporter() {}

  /**
   * RFC 8446 §7.5: HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter", Hash(context),
   * length), with the hash of the connection's suite ({@code "SHA-256"} or {@code "SHA-384"}).
   */
  static byte[] export(byte[] exporterSecret, String hash, String label, byte[] context, int length)
      throws GeneralSecurityException {
    MessageDigest digest = MessageDigest.getInstance(hash);
    String hmac = "Hmac" + hash.replace("-", "");
    byte[] derived = expandLabel(hmac, exporterSecret, label, digest.digest(), digest.getDigestLength());
    try {
      return expandLabel(hmac, derived, "exporter", MessageDigest.getInstance(hash).digest(context), length);
    } finally {
      Arrays.fill(derived, (byte) 0);
    }
  }

  /** The hash of a TLS 1.3 suite (RFC 8446 §B.4): SHA-384 for TLS_AES_256_GCM_SHA384, else SHA-256. */
  static String hashOf(String cipherSuite) {
    return cipherSuite.endsWith("SHA384") ? "SHA-384" : "SHA-256";
  }

  /** RFC 8446 §7.1 HKDF-Expand-Label over RFC 5869 HKDF-Expand. */
  private static byte[] expandLabel(String hmac, byte[] secret, String label, byte[] context, int length)
      throws GeneralSecurityException {
    byte[] fullLabel = ("tls13 " + label).getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream info = new ByteArrayOutputStream();
    info.write(length >>> 8);
    info.write(length & 0xFF);
    info.write(fullLabel.length);
    info.writeBytes(fullLabel);
    info.write(context.length);
    info.writeBytes(context);
    byte[] infoBytes = info.toByteArray();
    Mac mac = Mac.getInstance(hmac);
    mac.init(new SecretKeySpec(secret, hmac));
    byte[] out = new byte[length];
    byte[] previous = new byte[0];
    for (int offset = 0, counter = 1; offset < length; counter++) {
      mac.update(previous);
      mac.update(infoBytes);
      mac.update((byte) counter);
      previous = mac.doFinal();
      int n = Math.min(previous.length, length - offset);
      System.arraycopy(previous, 0, out, offset, n);
      offset += n;
    }
    Arrays.fill(previous, (byte) 0);
    return out;
  }
}
