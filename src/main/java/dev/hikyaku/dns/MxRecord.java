package dev.hikyaku.dns;

import java.util.Locale;

/**
 * One MX record (RFC 1035 §3.3.9).
 *
 * @param preference lower is tried first (RFC 5321 §5.1)
 * @param host the exchange, lower-case, without the trailing dot; the root name is kept as
 *     {@value #ROOT} (not the empty string) so that a null MX (RFC 7505) reads as it is written
 *     in a zone: {@code 0 .}
 */
public record MxRecord(int preference, String host) {

  /** The root name, the exchange of a null MX (RFC 7505 §3). */
  public static final String ROOT = ".";

  public MxRecord {
    if (preference < 0 || preference > 0xFFFF) {
      throw new IllegalArgumentException("MX preference out of 0..65535: " + preference);
    }
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("MX host is empty (the root is written \".\")");
    }
    host = host.equals(ROOT) ? ROOT : stripTrailingDot(host).toLowerCase(Locale.ROOT);
  }

  /**
   * Whether the exchange is the root: the record says "no mail here" (RFC 7505 §3). Whether the
   * whole domain is a null MX domain also depends on the other records; {@code MxResolver}
   * decides that.
   */
  public boolean isNullMx() {
    return host.equals(ROOT);
  }

  private static String stripTrailingDot(String name) {
    return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
  }
}
