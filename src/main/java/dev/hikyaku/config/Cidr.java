package dev.hikyaku.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;
import java.util.Optional;

/**
 * A block of addresses in CIDR notation (RFC 4632 §3.1 for IPv4, RFC 4291 §2.3 for IPv6): an
 * address literal and a prefix length. Kept with the host bits cleared, so {@code 192.0.2.7/24} is
 * stored and printed as {@code 192.0.2.0/24}. A bare address is a block of one.
 */
public record Cidr(InetAddress network, int prefixLength) {

  public Cidr {
    Objects.requireNonNull(network, "network");
    int bits = network.getAddress().length * 8;
    if (prefixLength < 0 || prefixLength > bits) {
      throw new IllegalArgumentException("prefix length " + prefixLength + " outside 0.." + bits);
    }
    network = masked(network, prefixLength);
  }

  /**
   * The block {@code text} names ({@code 192.0.2.0/24}, {@code 2001:db8::/32}, {@code 192.0.2.7});
   * empty when it is not an address literal with an optional prefix length. Never consults DNS.
   */
  public static Optional<Cidr> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String value = text.strip();
    int slash = value.indexOf('/');
    String literal = slash < 0 ? value : value.substring(0, slash);
    Optional<InetAddress> address = HostSyntax.ipLiteral(literal);
    // An IPv4-mapped IPv6 literal comes back as an IPv4 address: refused, its prefix would mislead.
    if (address.isEmpty() || (literal.indexOf(':') >= 0) == (address.get() instanceof Inet4Address)) {
      return Optional.empty();
    }
    int bits = address.get().getAddress().length * 8;
    int length = bits;
    if (slash >= 0) {
      String digits = value.substring(slash + 1);
      if (digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return Optional.empty();
      }
      length = Integer.parseInt(digits);
      if (length > bits) {
        return Optional.empty();
      }
    }
    return Optional.of(new Cidr(address.get(), length));
  }

  /** Whether {@code address} lies in this block; an IPv4 address is never in an IPv6 block. */
  public boolean contains(InetAddress address) {
    return address.getAddress().length == network.getAddress().length
        && masked(address, prefixLength).equals(network);
  }

  /** In CIDR notation, an IPv6 network in RFC 5952 §4 form ({@code 2001:db8::/32}). */
  @Override
  public String toString() {
    return HostSyntax.text(network) + "/" + prefixLength;
  }

  private static InetAddress masked(InetAddress address, int prefixLength) {
    byte[] bytes = address.getAddress();
    for (int i = 0; i < bytes.length; i++) {
      int keep = Math.max(0, Math.min(8, prefixLength - i * 8));
      bytes[i] &= (byte) (0xff << (8 - keep));
    }
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("a 4- or 16-byte address is always valid", e);
    }
  }
}
