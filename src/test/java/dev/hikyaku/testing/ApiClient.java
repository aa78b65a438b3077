package dev.hikyaku.testing;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Requests to a running server's API over TLS on raw sockets: the server's self-signed certificate
 * names its configured host name, which a test cannot make loopback resolve to, and {@code
 * HttpClient} always checks the name. One request per connection ({@code Connection: close}).
 */
public final class ApiClient {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^content-length:\\s*(\\d+)");

  private final SSLContext trust;
  private final int port;

  /** A client of the API on loopback {@code port}, trusting what {@code trust} trusts. */
  public ApiClient(SSLContext trust, int port) {
    this.trust = trust;
    this.port = port;
  }

  /**
   * The status, the head lower-cased (names and values, for matching), the body, and the head as it
   * came (for values that are case-sensitive, such as a cursor in a link).
   */
  public record Response(int status, String head, String body, String headAsSent) {
    public JsonNode json() {
      return JSON.readTree(body);
    }

    /** The value of header {@code name} (any case) as it came, if the response has it. */
    public Optional<String> header(String name) {
      Matcher matcher = Pattern.compile("(?im)^" + Pattern.quote(name) + ":\\s*(.*?)\\r?$").matcher(headAsSent);
      return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
    }
  }

  public Response get(String path, Optional<String> key) throws Exception {
    return send("GET", path, key);
  }

  /** {@code method} on {@code path} (with its query), with {@code Authorization: Bearer key} when given. */
  public Response send(String method, String path, Optional<String> key) throws Exception {
    try (SSLSocket socket = (SSLSocket) trust.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      String request = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
          + key.map(k -> "Authorization: Bearer " + k + "\r\n").orElse("")
          + (method.equals("GET") || method.equals("HEAD") ? "" : "Content-Length: 0\r\n") + "\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      byte[] buffer = new byte[4096];
      int headEnd = -1;
      int length = -1;
      while (true) {
        String text = all.toString(StandardCharsets.UTF_8);
        if (headEnd < 0 && text.contains("\r\n\r\n")) {
          headEnd = text.indexOf("\r\n\r\n") + 4;
          Matcher matcher = CONTENT_LENGTH.matcher(text.substring(0, headEnd));
          length = matcher.find() ? Integer.parseInt(matcher.group(1)) : -1;
        }
        if (headEnd >= 0 && length >= 0 && all.size() >= headEnd + length) {
          break;
        }
        int read = in.read(buffer);
        if (read < 0) {
          break;
        }
        all.write(buffer, 0, read);
      }
      byte[] bytes = all.toByteArray();
      String head = new String(bytes, 0, headEnd, StandardCharsets.UTF_8);
      String body = new String(bytes, headEnd, length >= 0 ? length : bytes.length - headEnd, StandardCharsets.UTF_8);
      return new Response(Integer.parseInt(head.substring(9, 12)), head.toLowerCase(Locale.ROOT), body, head);
    }
  }
}
