package dev.hikyaku.bench.tls;

import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.internal.tcnative.KeyLogCallback;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The RFC 9266 tls-exporter for BoringSSL connections, which tcnative 2.0.84 cannot export (it has
 * no binding of SSL_export_keying_material): BoringSSL's key-log callback hands over the TLS 1.3
 * exporter_master_secret ("EXPORTER_SECRET" line, NSS key log format), and the exporter is derived
 * from it as RFC 8446 §7.5 defines. Every other line of the callback (traffic secrets) is dropped
 * at once. A workaround to measure and to check against JSSE's client, not a design to copy
 * lightly: the callback sees every secret of every connection of the context.
 */
final class KeylogExporter implements KeyLogCallback {

  private static final byte[] PREFIX = "EXPORTER_SECRET ".getBytes(StandardCharsets.US_ASCII);

  private final ConcurrentHashMap<Long, byte[]> secrets = new ConcurrentHashMap<>();

  static KeylogExporter install(SslContext context) throws ReflectiveOperationException {
    KeylogExporter exporter = new KeylogExporter();
    // tcnative wants its own context wrapper (the protected field ctx), not sslCtxPointer()'s raw
    // SSL_CTX: given that, it crashes the JVM.
    var field = ReferenceCountedOpenSslContext.class.getDeclaredField("ctx");
    field.setAccessible(true);
    long pointer = field.getLong(context);
    if (!io.netty.internal.tcnative.SSLContext.setKeyLogCallback(pointer, exporter)) {
      throw new IllegalStateException("tcnative refused the key-log callback");
    }
    return exporter;
  }

  @Override
  public void handle(long ssl, byte[] line) {
    if (line.length <= PREFIX.length || !java.util.Arrays.equals(line, 0, PREFIX.length, PREFIX, 0, PREFIX.length)) {
      return; // a traffic or handshake secret: not kept
    }
    // EXPORTER_SECRET <client random, 64 hex> <secret, hex>
    String text = new String(line, PREFIX.length, line.length - PREFIX.length, StandardCharsets.US_ASCII).strip();
    secrets.put(ssl, HexFormat.of().parseHex(text.substring(text.indexOf(' ') + 1)));
  }

  /** The 32-octet tls-exporter of the engine's finished TLS 1.3 handshake; forgets its secret. */
  String channelBinding(ReferenceCountedOpenSslEngine engine) {
    byte[] secret = secrets.remove(engine.sslPointer());
    if (secret == null) {
      return "no EXPORTER_SECRET seen (not TLS 1.3?)";
    }
    boolean isSha384 = engine.getSession().getCipherSuite().endsWith("SHA384");
    try {
      return HexFormat.of().formatHex(export(secret, isSha384 ? "SHA-384" : "SHA-256",
          "EXPORTER-Channel-Binding", new byte[0], 32));
    } catch (GeneralSecurityException e) {
      return "derivation failed: " + e;
    }
  }

  /** RFC 8446 §7.5: HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter", Hash(context), length). */
  static byte[] export(byte[] exporterSecret, String hash, String label, byte[] context, int length)
      throws GeneralSecurityException {
    MessageDigest digest = MessageDigest.getInstance(hash);
    String hmac = "Hmac" + hash.replace("-", "");
    byte[] derived = expandLabel(hmac, exporterSecret, label, digest.digest(), digest.getDigestLength());
    return expandLabel(hmac, derived, "exporter", MessageDigest.getInstance(hash).digest(context), length);
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
    Mac mac = Mac.getInstance(hmac);
    mac.init(new SecretKeySpec(secret, hmac));
    byte[] out = new byte[length];
    byte[] previous = new byte[0];
    for (int offset = 0, counter = 1; offset < length; counter++) {
      mac.update(previous);
      mac.update(info.toByteArray());
      mac.update((byte) counter);
      previous = mac.doFinal();
      int n = Math.min(previous.length, length - offset);
      System.arraycopy(previous, 0, out, offset, n);
      offset += n;
    }
    return out;
  }
}
