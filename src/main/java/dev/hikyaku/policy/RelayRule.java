package dev.hikyaku.policy;

import dev.hikyaku.protocol.Mailbox;
import dev.hikyaku.protocol.Replies;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Never relay for strangers. An authenticated principal may send anywhere; anyone else may only send
 * to a domain this server hosts, and only with an address that no MTA downstream could reinterpret
 * as a route elsewhere: no percent hack, no bang path, no routing characters hidden in a quoted local
 * part, no address literal (RFC 5321 §3.6.1; the tricks of open-relay test suites). A source route
 * cannot steer anything: the parser drops it (RFC 5321 §4.1.1.3 "SHOULD ignore the routes",
 * Appendix C), so {@code <@hosted:victim@elsewhere>} is judged, and refused, as {@code
 * <victim@elsewhere>}, and {@code <@elsewhere:user@hosted>} is accepted as {@code <user@hosted>}.
 */
public final class RelayRule implements Rule {

  private final Set<String> hostedDomains;

  public RelayRule(Set<String> hostedDomains) {
    this.hostedDomains =
        hostedDomains.stream().map(d -> d.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
  }

  @Override
  public String name() {
    return "relay";
  }

  @Override
  public Verdict onRecipient(RecipientCheck check) {
    if (check.principal().isPresent()) {
      return Verdict.CONTINUE;
    }
    if (check.recipient().isBarePostmaster()) {
      return Verdict.CONTINUE; // RFC 5321 §4.5.1: <Postmaster> is always this server's own.
    }
    Mailbox mailbox = check.recipient().mailbox();
    String reason = trick(mailbox);
    if (reason != null) {
      return new Verdict.Reject(Replies.relayDenied(check.recipient()), reason);
    }
    return Verdict.CONTINUE;
  }

  private String trick(Mailbox mailbox) {
    if (mailbox.isAddressLiteral()) {
      return "relay denied: address literal " + mailbox.domain();
    }
    if (!hostedDomains.contains(mailbox.normalizedDomain())) {
      return "relay denied: " + mailbox.normalizedDomain() + " is not a hosted domain";
    }
    if (mailbox.hasRoutingInLocalPart()) {
      return "relay denied: routing characters in local part";
    }
    return null;
  }
}
