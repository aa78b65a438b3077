package dev.hikyaku.app;

import dev.hikyaku.config.RecipientsConfig;
import dev.hikyaku.delivery.RecipientCallout;
import dev.hikyaku.delivery.Route;
import dev.hikyaku.delivery.Routes;
import dev.hikyaku.policy.RecipientDirectory;
import dev.hikyaku.protocol.Mailbox;
import dev.hikyaku.store.Accounts;
import dev.hikyaku.store.StoreException;
import java.util.Locale;
import java.util.Optional;

/**
 * The policy's view of who receives mail at a hosted domain, asked in this order, cheapest first:
 * the config's catch-all and local parts of the domain ({@code recipients.domains}); the account
 * store (accounts, the addresses they may send as, their {@code @domain}s); and for a domain routed
 * by LMTP or SMTP, the next hop ({@link RecipientCallout}, cached). Nothing else is a recipient.
 */
final class HostedRecipients implements RecipientDirectory {

  private final RecipientsConfig config;
  private final Accounts accounts;
  private final Routes routes;
  private final RecipientCallout callout;

  HostedRecipients(RecipientsConfig config, Accounts accounts, Routes routes, RecipientCallout callout) {
    this.config = config;
    this.accounts = accounts;
    this.routes = routes;
    this.callout = callout;
  }

  @Override
  public Answer lookUp(Mailbox mailbox) {
    String domain = mailbox.normalizedDomain();
    RecipientsConfig.Domain listed = config.domains().get(domain);
    if (listed != null && (listed.isCatchAll() || listed.localParts().contains(mailbox.localPart().toLowerCase(Locale.ROOT)))) {
      return KNOWN;
    }
    try {
      // The canonical local part (quotes resolved) at the lower-case domain: the store's spelling.
      if (accounts.isRecipient(mailbox.localPart() + "@" + domain)) {
        return KNOWN;
      }
    } catch (StoreException e) {
      return new Answer.Unavailable("account store unavailable: " + e.getMessage());
    }
    Optional<Route> route = routes.forDomain(domain);
    if (route.isPresent() && (route.get() instanceof Route.Lmtp || route.get() instanceof Route.Smtp)) {
      return switch (callout.verify(route.get(), mailbox.address())) {
        case RecipientCallout.Verification.Exists exists -> KNOWN;
        case RecipientCallout.Verification.NoSuchRecipient no -> new Answer.Unknown("next hop answered " + no.reply());
        case RecipientCallout.Verification.Undecided undecided ->
            new Answer.Unverified("next hop could not verify: " + undecided.reason());
      };
    }
    return new Answer.Unknown("no account, alias or recipients.domains entry for " + mailbox.address());
  }
}
