package dev.hikyaku.config;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Two listeners that cannot both bind: same port, and the same address or one address covering the
 * other. Checked when the file is read and again after {@link HikyakuConfig#withPorts}, so the
 * operator hears about it before the second bind fails with a bare "Address already in use". The
 * HTTP endpoint is checked against the listeners the same way ({@link #withHttp}).
 */
record ListenerClash(int first, ListenerConfig earlier, int second, ListenerConfig later) {

  static Optional<ListenerClash> find(List<ListenerConfig> listeners) {
    for (int j = 1; j < listeners.size(); j++) {
      for (int i = 0; i < j; i++) {
        ListenerConfig a = listeners.get(i);
        ListenerConfig b = listeners.get(j);
        if (a.port() == b.port() && a.port() != 0 && overlaps(a.address(), b.address())) {
          return Optional.of(new ListenerClash(i, a, j, b));
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Why the enabled HTTP endpoint cannot bind beside {@code listeners}, naming the first listener it
   * clashes with; empty when it can (or is turned off).
   */
  static Optional<String> withHttp(List<ListenerConfig> listeners, HttpConfig http) {
    if (!http.isEnabled() || http.port() == 0) {
      return Optional.empty();
    }
    for (int i = 0; i < listeners.size(); i++) {
      ListenerConfig listener = listeners.get(i);
      if (listener.port() == http.port() && overlaps(listener.address(), http.address())) {
        return Optional.of(
            "the HTTP endpoint on "
                + http.socketText()
                + " clashes with listeners["
                + i
                + "] '"
                + listener.name()
                + "' on "
                + listener.socketText()
                + "; give the HTTP endpoint its own port");
      }
    }
    return Optional.empty();
  }

  /**
   * Why the enabled API cannot bind beside {@code listeners} and the monitoring endpoint, naming what
   * it clashes with; empty when it can (or is turned off).
   */
  static Optional<String> withApi(List<ListenerConfig> listeners, HttpConfig http, ApiConfig api) {
    if (!api.isEnabled() || api.port() == 0) {
      return Optional.empty();
    }
    for (int i = 0; i < listeners.size(); i++) {
      ListenerConfig listener = listeners.get(i);
      if (listener.port() == api.port() && overlaps(listener.address(), api.address())) {
        return Optional.of(
            "the API on " + api.socketText() + " clashes with listeners[" + i + "] '" + listener.name() + "' on "
                + listener.socketText() + "; give the API its own port");
      }
    }
    if (http.isEnabled() && http.port() == api.port() && overlaps(http.address(), api.address())) {
      return Optional.of(
          "the API on " + api.socketText() + " clashes with the HTTP endpoint on " + http.socketText()
              + "; give the API its own port");
    }
    return Optional.empty();
  }

  String keyPath() {
    return "listeners[" + second + "]";
  }

  String problem() {
    String text =
        "'"
            + later.name()
            + "' on "
            + later.socketText()
            + " clashes with listeners["
            + first
            + "] '"
            + earlier.name()
            + "' on "
            + earlier.socketText();
    if (!earlier.address().equals(later.address())) {
      InetAddress wildcard =
          earlier.address().isAnyLocalAddress() ? earlier.address() : later.address();
      text += " (" + HostSyntax.text(wildcard) + " listens on every local address)";
    }
    return text + "; give each listener its own address and port";
  }

  /**
   * Same address, or a wildcard covering the other: 0.0.0.0 covers IPv4 addresses; {@code ::} is
   * dual-stack on Linux by default (net.ipv6.bindv6only=0) and covers both families.
   */
  private static boolean overlaps(InetAddress a, InetAddress b) {
    return a.equals(b) || covers(a, b) || covers(b, a);
  }

  private static boolean covers(InetAddress wildcard, InetAddress other) {
    return wildcard.isAnyLocalAddress()
        && (wildcard instanceof Inet6Address || wildcard.getClass() == other.getClass());
  }
}
