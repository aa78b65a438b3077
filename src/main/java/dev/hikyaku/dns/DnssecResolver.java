package dev.hikyaku.dns;

import java.net.InetAddress;
import java.util.List;

/**
 * The lookups DANE needs (RFC 7672 §2.2), each with whether DNSSEC vouches for it. Bounded and
 * failing as {@link DnsResolver}'s lookups do; a bogus answer is a temporary failure.
 */
public interface DnssecResolver {

  /** The MX records of {@code domain}. */
  Validated<List<MxRecord>> secureMx(String domain);

  /** The AAAA and A records of {@code host}; secure only when both answers are. */
  Validated<List<InetAddress>> secureAddresses(String host);

  /** The TLSA records at {@code name} ({@code _25._tcp.<host>} for SMTP, RFC 7672 §2.2.3). */
  Validated<List<Tlsa>> tlsa(String name);

  /**
   * Whether the resolvers' answers validate at all: the trust anchors' own DNSKEY records come back
   * secure. When they do not (resolvers that strip DNSSEC records, a clock far off), every signed
   * zone would look bogus; callers then leave DANE aside rather than defer all mail to such zones.
   */
  boolean isValidating();
}
