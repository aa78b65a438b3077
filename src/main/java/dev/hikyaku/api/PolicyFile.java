package dev.hikyaku.api;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The MTA-STS policy (RFC 8461 §3.3) the API's HTTPS listener publishes for the hosted domains: the
 * same file at {@code /.well-known/mta-sts.txt} for every host {@code mta-sts.<hosted domain>},
 * without a key (senders fetch it anonymously), as {@code text/plain}. Any other host gets 404, so
 * the listener does not vouch for domains that are not its own.
 */
public record PolicyFile(Set<String> hosts, byte[] text) {

  static final String PATH = "/.well-known/mta-sts.txt";
  static final String TYPE = "text/plain; charset=us-ascii";

  /** None published ({@code mta-sts.mode} not set). */
  public static final PolicyFile NONE = new PolicyFile(Set.of(), new byte[0]);

  public PolicyFile {
    hosts = Set.copyOf(hosts);
    text = text.clone();
  }

  /** {@code policy} for the policy hosts of {@code hostedDomains}; {@link #NONE} when there is no policy. */
  public static PolicyFile of(Set<String> hostedDomains, Optional<String> policy) {
    return policy.map(p -> new PolicyFile(
            hostedDomains.stream().map(d -> "mta-sts." + d.toLowerCase(Locale.ROOT)).collect(Collectors.toSet()),
            p.getBytes(StandardCharsets.US_ASCII)))
        .orElse(NONE);
  }

  /** Whether a request with Host {@code authority} (a port after it or not) is for one of the policy hosts. */
  boolean isFor(String authority) {
    String host = authority.toLowerCase(Locale.ROOT);
    int colon = host.lastIndexOf(':');
    if (colon > 0 && !host.endsWith("]")) {
      host = host.substring(0, colon);
    }
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    return hosts.contains(host);
  }
}
