package dev.hikyaku.mailauth;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/** IP address literals as SPF writes them, parsed without any DNS lookup. */
final class Addresses {

  private Addresses() {}

  /** A dotted-quad IPv4 or an IPv6 literal; empty for anything else (never resolves a name). */
  static Optional<InetAddress> parseLiteral(String text) {
    boolean isV4 = text.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    boolean isV6 = text.contains(":") && text.matches("[0-9A-Fa-f:.]+");
    if (!isV4 && !isV6) {
      return Optional.empty();
    }
    if (isV4) {
      for (String part : text.split("\\.")) {
        if (Integer.parseInt(part) > 255) {
          return Optional.empty();
        }
      }
    }
    try {
      return Optional.of(InetAddress.getByName(text)); // a literal: InetAddress parses, no lookup
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }

  /** RFC 7208 §7.3: an IPv6 address as dot-separated nibbles, "2.0.0.1.0.d.b.8...". */
  static String nibbles(InetAddress address) {
    StringBuilder out = new StringBuilder();
    for (byte b : address.getAddress()) {
      out.append(Character.forDigit((b >> 4) & 0xF, 16)).append('.').append(Character.forDigit(b & 0xF, 16)).append('.');
    }
    return out.substring(0, out.length() - 1);
  }
}
