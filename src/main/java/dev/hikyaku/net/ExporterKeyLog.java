package dev.hikyaku.net;

import io.netty.internal.tcnative.KeyLogCallback;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps BoringSSL's TLS 1.3 exporter_master_secret of each handshake in progress, from the one
 * callback tcnative 2.0.84 offers for it: the key log (NSS key log format, "EXPORTER_SECRET &lt;client
 * random&gt; &lt;secret&gt;"). tcnative binds no SSL_export_keying_material, so without this there
 * would be no RFC 9266 tls-exporter and no SCRAM-SHA-256-PLUS over BoringSSL (bench/README.md, "What
 * BoringSSL through netty-tcnative keeps").
 *
 * <p>Invariants:
 *
 * <ul>
 *   <li>Every other line (handshake and traffic secrets) is dropped at once, unread beyond its label.
 *   <li>No line, secret or part of one is ever logged, put in an exception or in {@link #toString()}.
 *   <li>Bounded: an entry lives from the server's Finished to the end of the handshake; the
 *       connection {@link #take takes} it then, or {@link #forget forgets} it when the handshake
 *       fails, before its native SSL is freed (whose address could be reused).
 * </ul>
 */
final class ExporterKeyLog implements KeyLogCallback {

  private static final byte[] PREFIX = "EXPORTER_SECRET ".getBytes(StandardCharsets.US_ASCII);

  /** Secrets by native SSL pointer, only while that connection's handshake runs. */
  private final ConcurrentHashMap<Long, byte[]> secrets = new ConcurrentHashMap<>();

  @Override
  public void handle(long ssl, byte[] line) {
    // Called from native code on the handshaking thread: must not throw.
    try {
      if (line == null || line.length <= PREFIX.length || !Arrays.equals(line, 0, PREFIX.length, PREFIX, 0, PREFIX.length)) {
        return;
      }
      int space = indexOf(line, (byte) ' ', PREFIX.length);
      if (space < 0) {
        return;
      }
      int end = line.length;
      while (end > space + 1 && (line[end - 1] == '\n' || line[end - 1] == '\r' || line[end - 1] == ' ')) {
        end--;
      }
      secrets.put(ssl, HexFormat.of().parseHex(new String(line, space + 1, end - space - 1, StandardCharsets.US_ASCII)));
    } catch (RuntimeException malformed) {
      // Not a line we understand: no secret kept, nothing said about it (it may hold key material).
    } finally {
      if (line != null) {
        Arrays.fill(line, (byte) 0); // tcnative's copy for this call
      }
    }
  }

  /** The exporter secret of {@code ssl}'s handshake, removed from here; null when none was logged (TLS 1.2). */
  byte[] take(long ssl) {
    return secrets.remove(ssl);
  }

  /** Drops whatever is kept for {@code ssl} (a failed or abandoned handshake). */
  void forget(long ssl) {
    byte[] secret = secrets.remove(ssl);
    if (secret != null) {
      Arrays.fill(secret, (byte) 0);
    }
  }

  /** How many handshakes have a secret kept right now; for tests of the bound. */
  int size() {
    return secrets.size();
  }

  private static int indexOf(byte[] bytes, byte wanted, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == wanted) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public String toString() {
    return "ExporterKeyLog[" + secrets.size() + " handshake(s)]";
  }
}
