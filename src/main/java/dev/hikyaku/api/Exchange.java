package dev.hikyaku.api;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * What a route sees of one request: its path, query, headers and body, where it came from and
 * whether over TLS. A request reaches the routes either over the wire ({@link #of(ServerRequest)})
 * or from the console in the same process ({@link LocalApi}); the routes cannot tell them apart, so
 * the console can do nothing the API cannot.
 */
interface Exchange {

  /** The path, percent-decoded, for problem details and links. */
  String path();

  /** The path as sent, still percent-encoded: {@link Route#match} decodes segment by segment. */
  String rawPath();

  /** The first value of query parameter {@code name}, decoded. */
  Optional<String> query(String name);

  Set<String> queryNames();

  /** Every value of query parameter {@code name}, decoded, in order. */
  List<String> queryValues(String name);

  /** The first value of header {@code name} (case-insensitive). */
  Optional<String> header(String name);

  /** The declared {@code Content-Length}, if any. */
  OptionalLong contentLength();

  /** The body, read at most once. */
  InputStream body();

  boolean isSecure();

  InetAddress client();

  /** A request that came over the wire, as Helidon parsed it. */
  static Exchange of(ServerRequest request) {
    return new Exchange() {
      @Override
      public String path() {
        return request.path().path();
      }

      @Override
      public String rawPath() {
        return request.path().rawPath();
      }

      @Override
      public Optional<String> query(String name) {
        return request.query().first(name).asOptional();
      }

      @Override
      public Set<String> queryNames() {
        return request.query().names();
      }

      @Override
      public List<String> queryValues(String name) {
        return request.query().all(name, List::of);
      }

      @Override
      public Optional<String> header(String name) {
        return request.headers().first(HeaderNames.create(name));
      }

      @Override
      public OptionalLong contentLength() {
        return request.headers().contentLength();
      }

      @Override
      public InputStream body() {
        return request.content().inputStream();
      }

      @Override
      public boolean isSecure() {
        return request.isSecure();
      }

      @Override
      public InetAddress client() {
        return request.remotePeer().address() instanceof InetSocketAddress socket
            ? socket.getAddress()
            : InetAddress.getLoopbackAddress();
      }
    };
  }
}
