package dev.hikyaku.webhooks;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The guard against server-side request forgery (spec/standard-webhooks.md, "Server side request
 * forgery"): a webhook URL is chosen by an API client, and the server must not become its way into
 * the networks only the server can reach. Before every attempt the URL's host is resolved and
 * refused when any address it resolves to is loopback, private (RFC 1918, RFC 4193 ULA
 * {@code fc00::/7}), link-local, shared (CGNAT, RFC 6598 {@code 100.64.0.0/10}), multicast,
 * unspecified, broadcast or otherwise reserved, including an IPv4 address of those ranges written
 * inside an IPv6 one (IPv4-mapped {@code ::ffff:0:0/96}, IPv4-compatible, NAT64 {@code
 * 64:ff9b::/96}, 6to4 {@code 2002::/16}); and {@code http://} is refused. An endpoint created with
 * {@code allow_private} skips both checks (a receiver on loopback in tests, an internal service the
 * operator chose).
 *
 * <p>The answer names the address that was checked, and the sender connects to that address (the
 * host name only goes into {@code Host}, SNI and the certificate check): a second lookup could
 * answer otherwise (DNS rebinding) and is never made.
 */
public final class TargetGuard {

  /** Resolves a host name to its addresses (the system resolver in the server; a table in tests). */
  @FunctionalInterface
  public interface HostResolver {
    List<InetAddress> resolve(String host) throws UnknownHostException;
  }

  /** What the guard found: an address to connect to, or why not. */
  public sealed interface Verdict {
    /** Connect to {@code address}, port {@code port}, speaking TLS when {@code isTls}. */
    record Allowed(URI url, String host, InetAddress address, int port, boolean isTls) implements Verdict {
      public Allowed {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(address, "address");
      }
    }

    /** Not to be sent to; {@code reason} says why, for the delivery log. */
    record Refused(String reason) implements Verdict {
      public Refused {
        Objects.requireNonNull(reason, "reason");
      }
    }
  }

  /**
   * The system resolver ({@code /etc/hosts}, then DNS, as route and smarthost names are resolved),
   * each lookup bounded by {@code timeout}: the JDK's lookup takes none, so it runs on a virtual
   * thread of its own and is given up on (left to finish) after the timeout.
   */
  public static HostResolver systemResolver(Duration timeout) {
    return host -> {
      var lookup = new FutureTask<>(() -> List.of(InetAddress.getAllByName(host)));
      Thread.ofVirtual().name("webhook-resolve").start(lookup);
      try {
        return lookup.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        throw e.getCause() instanceof UnknownHostException unknown ? unknown : new UnknownHostException(host + ": " + e.getCause());
      } catch (TimeoutException e) {
        throw new UnknownHostException(host + ": no answer within " + timeout.toSeconds() + " s");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UnknownHostException(host + ": interrupted");
      }
    };
  }

  private final HostResolver resolver;

  public TargetGuard(HostResolver resolver) {
    this.resolver = Objects.requireNonNull(resolver, "resolver");
  }

  /**
   * Why {@code url} can never be a webhook target, whatever its host resolves to: not an absolute
   * {@code https} URL (or {@code http} when private targets are allowed) with a host, or with user
   * information (a secret in the URL would be logged and listed), or a fragment; or, unless {@code
   * isPrivateAllowed}, an IP literal in a refused range. Empty when it may be one. Checked when an
   * endpoint is created; {@link #check} checks it again before every attempt.
   */
  public static Optional<String> problemWith(URI url, boolean isPrivateAllowed) {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!url.isAbsolute() || url.isOpaque() || !(scheme.equals("https") || scheme.equals("http"))) {
      return Optional.of("must be an https:// URL");
    }
    if (scheme.equals("http") && !isPrivateAllowed) {
      return Optional.of("must be https:// (http:// only for an endpoint that allows private targets)");
    }
    if (url.getHost() == null || url.getHost().isEmpty()) {
      return Optional.of("has no host");
    }
    if (url.getRawUserInfo() != null) {
      return Optional.of("must not hold user information (a secret in a URL is logged and listed)");
    }
    if (url.getRawFragment() != null) {
      return Optional.of("must not have a fragment");
    }
    if (!isPrivateAllowed && isIpLiteral(url.getHost())) {
      try {
        InetAddress literal = InetAddress.getByName(url.getHost());
        Optional<String> range = refusedRange(literal);
        if (range.isPresent()) {
          return Optional.of("is " + range.get() + " (" + literal.getHostAddress() + "); only an endpoint that allows private targets may be");
        }
      } catch (UnknownHostException e) {
        return Optional.of("has a host that is not an address: " + url.getHost());
      }
    }
    return Optional.empty();
  }

  /** Resolves the URL's host and says whether, and where, to connect. */
  public Verdict check(URI url, boolean isPrivateAllowed) {
    Optional<String> problem = problemWith(url, isPrivateAllowed);
    if (problem.isPresent()) {
      return new Verdict.Refused("the URL " + problem.get());
    }
    String host = url.getHost();
    String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    List<InetAddress> addresses;
    try {
      addresses = isIpLiteral(host) ? List.of(InetAddress.getByName(bare)) : resolver.resolve(bare);
    } catch (UnknownHostException e) {
      return new Verdict.Refused("cannot resolve " + bare + ": " + e.getMessage());
    }
    if (addresses.isEmpty()) {
      return new Verdict.Refused("cannot resolve " + bare + ": no address");
    }
    if (!isPrivateAllowed) {
      // Every address, not only the one used: a name that also points inside is refused as a whole.
      for (InetAddress address : addresses) {
        Optional<String> range = refusedRange(address);
        if (range.isPresent()) {
          return new Verdict.Refused(bare + " resolves to " + address.getHostAddress() + ", " + range.get()
              + "; only an endpoint that allows private targets may be reached there");
        }
      }
    }
    boolean isTls = url.getScheme().equalsIgnoreCase("https");
    int port = url.getPort() >= 0 ? url.getPort() : isTls ? 443 : 80;
    return new Verdict.Allowed(url, bare, addresses.getFirst(), port, isTls);
  }

  /** The refused range {@code address} is in, named for people; empty for a public unicast address. */
  static Optional<String> refusedRange(InetAddress address) {
    if (address instanceof Inet4Address v4) {
      return refusedRange4(v4.getAddress());
    }
    byte[] a = address.getAddress();
    if (address.isAnyLocalAddress()) {
      return Optional.of("the unspecified address");
    }
    if (address.isLoopbackAddress()) {
      return Optional.of("loopback");
    }
    if (address.isMulticastAddress()) {
      return Optional.of("multicast");
    }
    if (address.isLinkLocalAddress()) {
      return Optional.of("link-local");
    }
    if (address.isSiteLocalAddress()) {
      return Optional.of("site-local (fec0::/10)");
    }
    if ((a[0] & 0xfe) == 0xfc) {
      return Optional.of("a unique local address (fc00::/7)");
    }
    // IPv4 inside IPv6: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d), 6to4 (2002:aabb:ccdd::).
    if (isZero(a, 0, 10) && (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff) {
      return embedded("IPv4-mapped", a, 12);
    }
    if (isZero(a, 0, 12)) {
      return embedded("IPv4-compatible", a, 12);
    }
    if ((a[0] & 0xff) == 0x00 && (a[1] & 0xff) == 0x64 && (a[2] & 0xff) == 0xff && (a[3] & 0xff) == 0x9b && isZero(a, 4, 12)) {
      return embedded("NAT64", a, 12);
    }
    if ((a[0] & 0xff) == 0x20 && (a[1] & 0xff) == 0x02) {
      return embedded("6to4", a, 2);
    }
    if ((a[0] & 0xff) == 0x20 && (a[1] & 0xff) == 0x01 && (a[2] & 0xff) == 0x0d && (a[3] & 0xff) == 0xb8) {
      return Optional.of("documentation (2001:db8::/32)");
    }
    return Optional.empty();
  }

  private static Optional<String> embedded(String form, byte[] a, int from) {
    byte[] v4 = {a[from], a[from + 1], a[from + 2], a[from + 3]};
    return refusedRange4(v4).map(range -> range + ", as " + form + " IPv6");
  }

  /** RFC 6890's special-purpose IPv4 ranges that must not be reached from here. */
  private static Optional<String> refusedRange4(byte[] a) {
    int b0 = a[0] & 0xff;
    int b1 = a[1] & 0xff;
    int b2 = a[2] & 0xff;
    if (b0 == 0) {
      return Optional.of("the unspecified network (0.0.0.0/8)");
    }
    if (b0 == 127) {
      return Optional.of("loopback");
    }
    if (b0 == 10 || (b0 == 172 && (b1 & 0xf0) == 16) || (b0 == 192 && b1 == 168)) {
      return Optional.of("private (RFC 1918)");
    }
    if (b0 == 100 && (b1 & 0xc0) == 64) {
      return Optional.of("shared address space (CGNAT, 100.64.0.0/10)");
    }
    if (b0 == 169 && b1 == 254) {
      return Optional.of("link-local");
    }
    if (b0 == 192 && b1 == 0 && b2 == 0) {
      return Optional.of("IETF protocol assignments (192.0.0.0/24)");
    }
    if ((b0 == 192 && b1 == 0 && b2 == 2) || (b0 == 198 && b1 == 51 && b2 == 100) || (b0 == 203 && b1 == 0 && b2 == 113)) {
      return Optional.of("documentation (RFC 5737)");
    }
    if (b0 == 198 && (b1 & 0xfe) == 18) {
      return Optional.of("benchmarking (198.18.0.0/15)");
    }
    if ((b0 & 0xf0) == 224) {
      return Optional.of("multicast");
    }
    if ((b0 & 0xf0) == 240) {
      return Optional.of(b0 == 255 && b1 == 255 && b2 == 255 && (a[3] & 0xff) == 255 ? "broadcast" : "reserved (240.0.0.0/4)");
    }
    return Optional.empty();
  }

  private static boolean isZero(byte[] a, int from, int to) {
    for (int i = from; i < to; i++) {
      if (a[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code host} (as {@link URI#getHost} gives it) is an IP literal rather than a name. */
  private static boolean isIpLiteral(String host) {
    return host.startsWith("[") || host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
  }
}
