package dev.hikyaku.net;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.SecureRandom;

/**
 * A hand-built TLS ClientHello (RFC 5246 §7.4.1.2) sent over a plain socket, and the first record the
 * server answers with.
 *
 * <p>Why not a JDK client: the JDK's own {@code jdk.tls.disabledAlgorithms} forbids TLS 1.0/1.1 and
 * {@code TLS_RSA_*} on the client side too, so a JDK client "offering only TLSv1.1" never sends
 * anything, and its failure would prove nothing about the server. These bytes reach the server as a
 * legacy or careless client would send them.
 */
final class RawClientHello {

  static final int TLS_1_0 = 0x0301;
  static final int TLS_1_1 = 0x0302;
  static final int TLS_1_2 = 0x0303;

  /** TLS content types (RFC 5246 §6.2.1). */
  static final int ALERT = 21;

  static final int HANDSHAKE = 22;

  /** Alert descriptions (RFC 5246 §7.2). */
  static final int HANDSHAKE_FAILURE = 40;

  static final int PROTOCOL_VERSION = 70;
  static final int INSUFFICIENT_SECURITY = 71;

  private RawClientHello() {}

  /**
   * The server's first record: an alert (level and description), a ServerHello (version and chosen
   * suite), or nothing because the server closed the connection.
   */
  record ServerAnswer(int contentType, int alertLevel, int alertDescription, int chosenSuite) {
    static final ServerAnswer CLOSED = new ServerAnswer(-1, -1, -1, -1);

    boolean isServerHello() {
      return contentType == HANDSHAKE && chosenSuite >= 0;
    }

    boolean isFatalAlert() {
      return contentType == ALERT && alertLevel == 2;
    }

    /** Refused: a fatal alert or a closed connection, never a ServerHello. */
    boolean isRefusal() {
      return isFatalAlert() || this == CLOSED;
    }
  }

  /**
   * Sends a ClientHello with {@code version} offering exactly {@code cipherSuites}, with the extensions
   * a modern client sends for ECDHE (supported_groups, ec_point_formats, signature_algorithms,
   * renegotiation_info), and returns the server's first record.
   */
  static ServerAnswer send(InetSocketAddress server, int version, int... cipherSuites)
      throws IOException {
    try (var socket = new Socket()) {
      socket.connect(server, 10_000);
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(build(version, cipherSuites));
      socket.getOutputStream().flush();
      return readAnswer(new DataInputStream(socket.getInputStream()));
    }
  }

  static byte[] build(int version, int... cipherSuites) {
    var body = new ByteArrayOutputStream();
    u16(body, version);
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    body.writeBytes(random);
    body.write(0); // session_id: empty
    u16(body, cipherSuites.length * 2);
    for (int suite : cipherSuites) {
      u16(body, suite);
    }
    body.write(1); // compression_methods: null only
    body.write(0);

    var extensions = new ByteArrayOutputStream();
    // supported_groups (RFC 8422 §5.1.1): x25519, secp256r1
    extension(extensions, 0x000a, new byte[] {0, 4, 0, 0x1d, 0, 0x17});
    // ec_point_formats (RFC 8422 §5.1.2): uncompressed
    extension(extensions, 0x000b, new byte[] {1, 0});
    // signature_algorithms (RFC 5246 §7.4.1.4.1, RFC 8446 §4.2.3):
    // ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256, rsa_pkcs1_sha256
    extension(extensions, 0x000d, new byte[] {0, 6, 4, 3, 8, 4, 4, 1});
    // renegotiation_info (RFC 5746): initial handshake
    extension(extensions, 0xff01, new byte[] {0});
    byte[] extensionBytes = extensions.toByteArray();
    u16(body, extensionBytes.length);
    body.writeBytes(extensionBytes);

    byte[] hello = body.toByteArray();
    var handshake = new ByteArrayOutputStream();
    handshake.write(1); // client_hello
    u24(handshake, hello.length);
    handshake.writeBytes(hello);

    byte[] message = handshake.toByteArray();
    var record = new ByteArrayOutputStream();
    record.write(HANDSHAKE);
    u16(record, TLS_1_0); // record layer version of a first ClientHello (RFC 8446 §5.1)
    u16(record, message.length);
    record.writeBytes(message);
    return record.toByteArray();
  }

  private static ServerAnswer readAnswer(DataInputStream in) throws IOException {
    int contentType;
    try {
      contentType = in.readUnsignedByte();
    } catch (EOFException e) {
      return ServerAnswer.CLOSED;
    } catch (java.net.SocketException e) {
      return ServerAnswer.CLOSED; // reset
    }
    in.readUnsignedShort(); // record version
    int length = in.readUnsignedShort();
    byte[] fragment = in.readNBytes(length);
    if (contentType == ALERT && fragment.length >= 2) {
      return new ServerAnswer(ALERT, fragment[0] & 0xff, fragment[1] & 0xff, -1);
    }
    // Handshake type 2 = server_hello: type(1) length(3) version(2) random(32) session_id(1+n) suite(2)
    if (contentType == HANDSHAKE && fragment.length > 39 && fragment[0] == 2) {
      int sessionIdLength = fragment[38] & 0xff;
      int at = 39 + sessionIdLength;
      int suite = ((fragment[at] & 0xff) << 8) | (fragment[at + 1] & 0xff);
      return new ServerAnswer(HANDSHAKE, -1, -1, suite);
    }
    return new ServerAnswer(contentType, -1, -1, -1);
  }

  private static void extension(ByteArrayOutputStream out, int type, byte[] data) {
    u16(out, type);
    u16(out, data.length);
    out.writeBytes(data);
  }

  private static void u16(ByteArrayOutputStream out, int value) {
    out.write((value >>> 8) & 0xff);
    out.write(value & 0xff);
  }

  private static void u24(ByteArrayOutputStream out, int value) {
    out.write((value >>> 16) & 0xff);
    u16(out, value & 0xffff);
  }
}
