package dev.hikyaku.store;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A block of addresses in CIDR notation (RFC 4632 §3.1 for IPv4, RFC 4291 §2.3 for IPv6): an
 * address literal and a prefix length. Kept with the host bits cleared, so {@code 192.0.2.7/24} is
 * stored and printed as {@code 192.0.2.0/24}. A bare address is a block of one.
 */
public record Cidr(InetAddress network, int prefixLength) {

  // Only literals: never a host name, which InetAddress would resolve through DNS.
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  public Cidr {
    Objects.requireNonNull(network, "network");
    int bits = network.getAddress().length * 8;
    if (prefixLength < 0 || prefixLength > bits) {
      throw new IllegalArgumentException("prefix length " + prefixLength + " outside 0.." + bits);
    }
    network = masked(network, prefixLength);
  }

  /** The block {@code text} names ({@code 192.0.2.0/24}, {@code 2001:db8::/32}, {@code 192.0.2.7}). */
  public static Optional<Cidr> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String value = text.strip();
    int slash = value.indexOf('/');
    String literal = slash < 0 ? value : value.substring(0, slash);
    boolean isV4 = IPV4.matcher(literal).matches();
    if (!isV4 && !IPV6.matcher(literal).matches()) {
      return Optional.empty();
    }
    InetAddress address;
    try {
      address = InetAddress.getByName(literal);
    } catch (UnknownHostException | SecurityException e) {
      return Optional.empty();
    }
    if (isV4 != (address instanceof Inet4Address)) {
      return Optional.empty(); // an IPv4-mapped IPv6 literal would otherwise become an IPv4 block
    }
    int bits = address.getAddress().length * 8;
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
    return Optional.of(new Cidr(address, length));
  }

  /** Whether {@code address} lies in this block; an IPv4 address is never in an IPv6 block. */
  public boolean contains(InetAddress address) {
    return address.getAddress().length == network.getAddress().length
        && masked(address, prefixLength).equals(network);
  }

  /** In CIDR notation, an IPv6 network in RFC 5952 §4 form ({@code 2001:db8::/32}). */
  @Override
  public String toString() {
    return (network instanceof Inet4Address ? network.getHostAddress() : compressed(network.getAddress())) + "/" + prefixLength;
  }

  /** RFC 5952 §4.2: hex groups without leading zeros, the longest run of two or more zero groups as "::". */
  private static String compressed(byte[] bytes) {
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; ) {
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = Math.max(j, i + 1);
    }
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        text.append("::");
        i += bestLength - 1;
        continue;
      }
      if (!text.isEmpty() && text.charAt(text.length() - 1) != ':') {
        text.append(':');
      }
      text.append(Integer.toHexString(groups[i]));
    }
    return text.toString();
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
