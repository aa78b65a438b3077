package dev.hikyaku.delivery;

import dev.hikyaku.dns.DnsResolver;
import dev.hikyaku.dns.Lookup;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Fetches an MTA-STS policy file (RFC 8461 §3.3): {@code GET /.well-known/mta-sts.txt} on
 * {@code mta-sts.DOMAIN} over HTTPS, the certificate verified for that name (RFC 6125), the name
 * resolved by the same DNS servers delivery uses, no redirects followed, only a {@code 200} with
 * media type {@code text/plain} taken, at most 64 KiB read.
 *
 * <p>Why not the JDK's HttpClient: it resolves names through the system only, and the policy host
 * must be found through {@code delivery.dns-servers} like the MX hosts it vouches for. One GET of a
 * small file over HTTP/1.1 with {@code Connection: close} is all the RFC asks.
 */
final class PolicyHostFetch implements MtaStsPolicies.Fetcher {

  static final String PATH = "/.well-known/mta-sts.txt";
  private static final int LARGEST = 64 * 1024;
  private static final int LONGEST_LINE = 8 * 1024;

  private final DnsResolver dns;
  private final int port;
  private final Optional<SSLContext> trust;
  private final Duration timeout;

  /**
   * @param port 443 (RFC 8461 §3.3); tests use others
   * @param trust the trust managers to verify the policy host with; empty: the JDK's roots
   */
  PolicyHostFetch(DnsResolver dns, int port, Optional<SSLContext> trust, Duration timeout) {
    this.dns = dns;
    this.port = port;
    this.trust = trust;
    this.timeout = timeout;
  }

  @Override
  public String fetch(String domain) throws IOException {
    String host = "mta-sts." + domain;
    List<InetAddress> addresses = switch (dns.addresses(host)) {
      case Lookup.Found<List<InetAddress>> found -> found.value();
      case Lookup.NoData<List<InetAddress>> none -> throw new IOException(host + " has no address");
      case Lookup.NxDomain<List<InetAddress>> none -> throw new IOException(host + " does not exist");
      case Lookup.TemporaryFailure<List<InetAddress>> failure ->
          throw new IOException(host + " could not be resolved: " + failure.reason());
    };
    IOException last = new IOException(host + " has no address");
    for (InetAddress address : addresses) {
      try {
        return get(host, address);
      } catch (IOException e) {
        last = e;
      }
    }
    throw last;
  }

  private String get(String host, InetAddress address) throws IOException {
    SSLContext context;
    try {
      context = trust.isPresent() ? trust.get() : SSLContext.getDefault();
    } catch (NoSuchAlgorithmException e) {
      throw new IOException("no TLS context: " + e.getMessage(), e);
    }
    int millis = (int) timeout.toMillis();
    try (Socket plain = new Socket()) {
      plain.connect(new InetSocketAddress(address, port), millis);
      plain.setSoTimeout(millis);
      try (SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true)) {
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
        parameters.setServerNames(List.of(new SNIHostName(host)));
        tls.setSSLParameters(parameters);
        try {
          tls.startHandshake();
        } catch (IOException e) {
          throw new IOException("TLS with " + host + " [" + address.getHostAddress() + "] failed: " + e.getMessage(), e);
        }
        OutputStream out = tls.getOutputStream();
        out.write(("GET " + PATH + " HTTP/1.1\r\nHost: " + host + "\r\nAccept: text/plain\r\nUser-Agent: Hikyaku\r\n"
            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return read(new BufferedInputStream(tls.getInputStream()), host);
      }
    }
  }

  /** The body of a {@code 200 text/plain} response; anything else (a redirect too) is a failure. */
  static String read(InputStream in, String host) throws IOException {
    String status = line(in);
    String[] parts = status.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException(host + " did not answer HTTP: " + MtaStsPolicy.printable(status));
    }
    if (!parts[1].equals("200")) {
      // §3.3: "Senders MUST NOT follow HTTP redirects"; any other status means no policy.
      throw new IOException(host + " answered " + MtaStsPolicy.printable(status) + " for " + PATH);
    }
    Map<String, String> headers = new HashMap<>();
    for (String header = line(in); !header.isEmpty(); header = line(in)) {
      int colon = header.indexOf(':');
      if (colon > 0) {
        headers.putIfAbsent(header.substring(0, colon).strip().toLowerCase(Locale.ROOT), header.substring(colon + 1).strip());
      }
    }
    String type = headers.getOrDefault("content-type", "");
    if (!type.toLowerCase(Locale.ROOT).split(";")[0].strip().equals("text/plain")) {
      throw new IOException(host + " served the policy as \"" + MtaStsPolicy.printable(type) + "\", not text/plain (RFC 8461 §3.3)");
    }
    byte[] body;
    if (headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked")) {
      body = chunked(in, host);
    } else if (headers.containsKey("content-length")) {
      long length;
      try {
        length = Long.parseLong(headers.get("content-length"));
      } catch (NumberFormatException e) {
        throw new IOException(host + " sent a Content-Length that is not a number");
      }
      if (length < 0 || length > LARGEST) {
        throw new IOException(host + "'s policy is larger than " + LARGEST + " octets");
      }
      body = in.readNBytes((int) length);
      if (body.length < length) {
        throw new IOException(host + " closed the connection in the middle of the policy");
      }
    } else {
      body = in.readNBytes(LARGEST + 1);
      if (body.length > LARGEST) {
        throw new IOException(host + "'s policy is larger than " + LARGEST + " octets");
      }
    }
    return new String(body, StandardCharsets.UTF_8);
  }

  private static byte[] chunked(InputStream in, String host) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String sizeLine = line(in);
      int extension = sizeLine.indexOf(';');
      long size;
      try {
        size = Long.parseLong((extension < 0 ? sizeLine : sizeLine.substring(0, extension)).strip(), 16);
      } catch (NumberFormatException e) {
        throw new IOException(host + " sent a malformed chunk size: " + MtaStsPolicy.printable(sizeLine));
      }
      if (size == 0) {
        for (String trailer = line(in); !trailer.isEmpty(); trailer = line(in)) {
          // trailer fields say nothing a policy needs
        }
        return body.toByteArray();
      }
      if (size < 0 || body.size() + size > LARGEST) {
        throw new IOException(host + "'s policy is larger than " + LARGEST + " octets");
      }
      byte[] chunk = in.readNBytes((int) size);
      if (chunk.length < size) {
        throw new IOException(host + " closed the connection in the middle of the policy");
      }
      body.writeBytes(chunk);
      line(in); // the CRLF after the chunk's data
    }
  }

  /** One line without its CRLF (or LF); a line longer than 8 KiB or a closed stream fails. */
  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("the policy host closed the connection early");
      }
      if (line.size() >= LONGEST_LINE) {
        throw new IOException("the policy host sent a line longer than " + LONGEST_LINE + " octets");
      }
      line.write(b);
    }
    String text = line.toString(StandardCharsets.ISO_8859_1);
    return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
  }
}
