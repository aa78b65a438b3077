package dev.hikyaku.dns;

import java.net.InetAddress;
import java.util.List;

/**
 * The lookups Hikyaku needs. Implementations bound every call by a timeout and report timeouts
 * and server failures as {@link Lookup.TemporaryFailure}; none throws for a DNS outcome.
 * Names may be given with or without the trailing dot, in any case; they must already be A-labels
 * (IDNA conversion is the caller's job).
 */
public interface DnsResolver {

  /** The MX records of {@code domain}, in the order the server gave them (callers sort). */
  Lookup<List<MxRecord>> mx(String domain);

  /**
   * The AAAA and A records of {@code host}, IPv6 first (RFC 6724 §10.3: the default policy
   * prefers IPv6). Found when either type has records; a temporary failure of one type does not
   * hide the other's addresses.
   */
  Lookup<List<InetAddress>> addresses(String host);

  /** The TXT records of {@code name}, each record's character-strings joined (RFC 7208 §3.3). */
  Lookup<List<String>> txt(String name);
}
