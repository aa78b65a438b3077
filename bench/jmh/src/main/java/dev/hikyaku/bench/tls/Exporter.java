package dev.hikyaku.bench.tls;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.HexFormat;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SSLSession;

/** RFC 9266 tls-exporter through JDK 25's ExtendedSSLSession.exportKeyingMaterialData, as SocketTransport does. */
final class Exporter {

  private static final MethodHandle EXPORT;

  static {
    MethodHandle handle;
    try {
      handle = MethodHandles.publicLookup().findVirtual(ExtendedSSLSession.class, "exportKeyingMaterialData",
          MethodType.methodType(byte[].class, String.class, byte[].class, int.class));
    } catch (ReflectiveOperationException e) {
      handle = null;
    }
    EXPORT = handle;
  }

  private Exporter() {}

  /** The 32-octet "EXPORTER-Channel-Binding" value in hex, or what went wrong. */
  static String value(SSLSession session) {
    if (EXPORT == null) {
      return "no exportKeyingMaterialData in this JDK";
    }
    if (!(session instanceof ExtendedSSLSession extended)) {
      return "not an ExtendedSSLSession: " + session.getClass().getName();
    }
    try {
      byte[] value = (byte[]) EXPORT.invoke(extended, "EXPORTER-Channel-Binding", new byte[0], 32);
      return value == null ? "null" : HexFormat.of().formatHex(value);
    } catch (Throwable e) {
      return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
          + " (" + session.getClass().getName() + ")";
    }
  }

  static String describe(SSLSession session) {
    return session.getProtocol() + " " + session.getCipherSuite() + ", tls-exporter " + value(session);
  }
}
