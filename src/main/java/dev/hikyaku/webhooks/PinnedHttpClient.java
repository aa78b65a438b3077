package dev.hikyaku.webhooks;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One HTTP/1.1 POST per connection, to the address the {@link TargetGuard} checked.
 *
 * <p>Why not the JDK's {@code HttpClient}: it resolves the URL's host itself, with no way to hand it
 * an address per request, so the address it connects to could differ from the one checked (DNS
 * rebinding); the process-wide resolver SPI would pin every lookup of the server. Here the socket
 * connects to the checked address, and the host name goes only where it belongs: the {@code Host}
 * header, TLS SNI and the certificate's name check (endpoint identification {@code HTTPS}, RFC 9110
 * §4.3.4). The rest is as little HTTP as a webhook needs (RFC 9112): the request with {@code
 * Content-Length} and {@code Connection: close}; of the response the status, {@code Retry-After} and
 * at most {@link #SNIPPET_OCTETS} of the body (de-chunked), then the connection is closed. A
 * redirect is an answer like any other, never followed (the spec counts 3xx as a failure). Connect
 * and the whole response are each bounded by the timeout.
 */
public final class PinnedHttpClient {

  /** How much of a response body is kept for the delivery log. */
  public static final int SNIPPET_OCTETS = 1024;
  /** Spec ("Timeouts"): a receiver answers quickly and does its work later; 15 s, as API.md says. */
  public static final Duration TIMEOUT = Duration.ofSeconds(15);
  private static final int MAX_HEAD_OCTETS = 16 * 1024;
  private static final String USER_AGENT = "Hikyaku-Webhooks/1";

  /** What came back: the status, {@code Retry-After} as sent, and the start of the body. */
  public record Response(int status, Optional<String> retryAfter, String snippet) {
    public Response {
      Objects.requireNonNull(retryAfter, "retryAfter");
      Objects.requireNonNull(snippet, "snippet");
    }
  }

  private final SSLContext tls;
  private final Duration timeout;

  /** @param tls whose trust the receivers' certificates are checked against (the JDK's by default) */
  public PinnedHttpClient(SSLContext tls, Duration timeout) {
    this.tls = Objects.requireNonNull(tls, "tls");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  /**
   * POSTs {@code body} as {@code application/json} with {@code headers} to the target; throws for
   * anything that is not a response (refused, reset, timed out, a certificate that does not verify).
   */
  public Response post(TargetGuard.Verdict.Allowed target, Map<String, String> headers, byte[] body) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Socket socket = new Socket();
    try {
      socket.connect(new InetSocketAddress(target.address(), target.port()), (int) timeout.toMillis());
      Socket connection = target.isTls() ? tls(socket, target) : socket;
      try (connection) {
        OutputStream out = connection.getOutputStream();
        out.write(head(target, headers, body.length).getBytes(StandardCharsets.UTF_8));
        out.write(body);
        out.flush();
        return read(connection, deadline);
      }
    } finally {
      socket.close();
    }
  }

  private Socket tls(Socket socket, TargetGuard.Verdict.Allowed target) throws IOException {
    SSLSocket secure = (SSLSocket) tls.getSocketFactory().createSocket(socket, target.host(), target.port(), true);
    SSLParameters parameters = secure.getSSLParameters();
    // The certificate must name the URL's host, though the socket went to an address (RFC 9110 §4.3.4).
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    if (!target.host().contains(":") && !target.host().matches("[0-9.]+")) {
      parameters.setServerNames(List.of(new SNIHostName(target.host())));
    }
    secure.setSSLParameters(parameters);
    secure.setSoTimeout((int) timeout.toMillis());
    secure.startHandshake();
    return secure;
  }

  private static String head(TargetGuard.Verdict.Allowed target, Map<String, String> headers, int length) {
    String path = target.url().getRawPath() == null || target.url().getRawPath().isEmpty() ? "/" : target.url().getRawPath();
    String query = target.url().getRawQuery() == null ? "" : "?" + target.url().getRawQuery();
    String host = target.host().contains(":") ? "[" + target.host() + "]" : target.host();
    boolean isDefaultPort = target.port() == (target.isTls() ? 443 : 80);
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("Host", isDefaultPort ? host : host + ":" + target.port());
    fields.put("User-Agent", USER_AGENT);
    fields.put("Content-Type", "application/json");
    fields.put("Content-Length", Integer.toString(length));
    fields.putAll(headers);
    fields.put("Connection", "close");
    StringBuilder head = new StringBuilder("POST ").append(path).append(query).append(" HTTP/1.1\r\n");
    fields.forEach((name, value) -> {
      if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
        throw new IllegalArgumentException("header " + name + " holds a line break");
      }
      head.append(name).append(": ").append(value).append("\r\n");
    });
    return head.append("\r\n").toString();
  }

  /** The status line, the head and up to {@link #SNIPPET_OCTETS} of the body, before {@code deadline}. */
  private Response read(Socket connection, long deadline) throws IOException {
    InputStream in = new DeadlineInput(connection, deadline);
    String statusLine = line(in);
    // RFC 9112 §4: HTTP-version SP status-code SP [ reason-phrase ]
    if (!statusLine.matches("HTTP/1\\.[01] [0-9]{3}( .*)?")) {
      throw new IOException("not an HTTP/1.1 response: " + printable(statusLine));
    }
    int status = Integer.parseInt(statusLine.substring(9, 12));
    Map<String, String> fields = new LinkedHashMap<>();
    int headOctets = statusLine.length();
    for (String line = line(in); !line.isEmpty(); line = line(in)) {
      headOctets += line.length() + 2;
      if (headOctets > MAX_HEAD_OCTETS) {
        throw new IOException("the response head is over " + MAX_HEAD_OCTETS + " octets");
      }
      int colon = line.indexOf(':');
      if (colon > 0) {
        fields.putIfAbsent(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
      }
    }
    byte[] snippet;
    try {
      snippet = body(in, fields);
    } catch (IOException cut) {
      snippet = new byte[0]; // the status is what counts; a body cut short is not worth a retry
    }
    return new Response(status, Optional.ofNullable(fields.get("retry-after")),
        printable(new String(snippet, StandardCharsets.UTF_8)));
  }

  /** Up to {@link #SNIPPET_OCTETS} of the body, by its framing (RFC 9112 §6.3). */
  private static byte[] body(InputStream in, Map<String, String> fields) throws IOException {
    ByteArrayOutputStream kept = new ByteArrayOutputStream();
    if (fields.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).endsWith("chunked")) {
      while (kept.size() < SNIPPET_OCTETS) {
        String size = line(in);
        int semicolon = size.indexOf(';');
        int length = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).strip(), 16);
        if (length == 0) {
          break;
        }
        kept.write(in.readNBytes(Math.min(length, SNIPPET_OCTETS - kept.size())));
        if (kept.size() >= SNIPPET_OCTETS) {
          break;
        }
        line(in); // the CRLF after the chunk
      }
      return kept.toByteArray();
    }
    String declared = fields.get("content-length");
    long length = declared != null && declared.matches("[0-9]{1,18}") ? Long.parseLong(declared) : Long.MAX_VALUE;
    return in.readNBytes((int) Math.min(length, SNIPPET_OCTETS));
  }

  /** A line up to CRLF (or LF), without it; ISO-8859-1 as the head is octets (RFC 9112 §5). */
  private static String line(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new IOException("the connection closed in the middle of the response head");
      }
      if (line.length() > MAX_HEAD_OCTETS) {
        throw new IOException("a response line is over " + MAX_HEAD_OCTETS + " octets");
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }

  /** Control characters made visible: the snippet goes into logs and JSON. */
  private static String printable(String text) {
    StringBuilder shown = new StringBuilder(text.length());
    text.codePoints().forEach(c -> {
      if (c == '\t' || c == '\n' || (c >= 0x20 && c != 0x7f && !(c >= 0x80 && c < 0xa0))) {
        shown.appendCodePoint(c);
      } else {
        shown.append(String.format("\\x%02x", c));
      }
    });
    return shown.toString();
  }

  /** Reads from a socket with what is left of the deadline as each read's timeout, so a slow drip cannot hold an attempt. */
  private static final class DeadlineInput extends InputStream {
    private final Socket socket;
    private final InputStream in;
    private final long deadline;

    DeadlineInput(Socket socket, long deadline) throws IOException {
      this.socket = socket;
      this.in = new BufferedInputStream(socket.getInputStream());
      this.deadline = deadline;
    }

    private void arm() throws IOException {
      long left = Duration.ofNanos(deadline - System.nanoTime()).toMillis();
      if (left <= 0) {
        throw new SocketTimeoutException("no complete response within the timeout");
      }
      socket.setSoTimeout((int) Math.max(1, left));
    }

    @Override
    public int read() throws IOException {
      arm();
      return in.read();
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      arm();
      return in.read(buffer, offset, length);
    }
  }
}
