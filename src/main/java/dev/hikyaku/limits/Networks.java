package dev.hikyaku.limits;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The network a client address belongs to for accounting: its /24 (IPv4) or /64 (IPv6). One
 * attacker rarely holds more than that, and one household or office rarely less.
 */
public final class Networks {

  private Networks() {}

  public static String of(InetAddress address) {
    byte[] bytes = address.getAddress();
    int keep = address instanceof Inet4Address ? 3 : 8;
    for (int i = keep; i < bytes.length; i++) {
      bytes[i] = 0;
    }
    try {
      return InetAddress.getByAddress(bytes).getHostAddress() + (address instanceof Inet4Address ? "/24" : "/64");
    } catch (UnknownHostException e) {
      throw new IllegalStateException("a 4- or 16-byte address is always valid", e);
    }
  }

  /** The scope name used for blocks of such a network. */
  public static String scope(InetAddress address) {
    return address instanceof Inet4Address ? "net24" : "net64";
  }
}
