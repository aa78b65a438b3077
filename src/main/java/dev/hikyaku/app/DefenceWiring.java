package dev.hikyaku.app;

import dev.hikyaku.auth.AuthThrottle;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.delivery.RecipientCallout;
import dev.hikyaku.delivery.Routes;
import dev.hikyaku.events.Events;
import dev.hikyaku.limits.KeptCounters;
import dev.hikyaku.policy.DirectoryHarvest;
import dev.hikyaku.policy.MaildirMailboxRule;
import dev.hikyaku.policy.PolicyChain;
import dev.hikyaku.policy.RateRule;
import dev.hikyaku.policy.RecipientDirectory;
import dev.hikyaku.policy.RecipientRule;
import dev.hikyaku.policy.RelayRule;
import dev.hikyaku.policy.ReturnPathRule;
import dev.hikyaku.policy.Rule;
import dev.hikyaku.policy.SenderOwnershipRule;
import dev.hikyaku.policy.SenderRegistry;
import dev.hikyaku.policy.SuppressionRule;
import dev.hikyaku.policy.SuspensionRule;
import dev.hikyaku.returns.ReturnPaths;
import dev.hikyaku.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * The defences: the AUTH throttle, suspensions and rates over the store's defence tables, and the
 * policy chain a session asks at MAIL, RCPT and after DATA.
 */
final class DefenceWiring {

  /**
   * How often the rate counters are saved to the store (and at stop): a crash loses at most this
   * much counting, and the store sees one small write per interval however busy the server is.
   */
  private static final Duration RATE_COUNTERS_SAVED_EVERY = Duration.ofSeconds(5);

  private DefenceWiring() {}

  /** The AUTH throttle over the store's defence tables, with the config's thresholds; started. */
  static AuthThrottle throttle(HikyakuConfig config, Store store, Events events, Clock clock) {
    return new AuthThrottle(
            config.abuse(),
            store.defences(),
            new StoreSuspensions(store.defences(), clock),
            events,
            clock)
        .start();
  }

  /** The counters behind {@link RateRule}, kept in the store; started (close them with the server). */
  static KeptCounters rateCounters(Store store, Clock clock) {
    return new KeptCounters("rates", RateRule.counters(clock), new StoreSuspensions(store.defences(), clock),
        RATE_COUNTERS_SAVED_EVERY).start();
  }

  /** The policy rules in the order they are asked, counting rates in {@code rateCounters}. */
  static PolicyChain chain(
      HikyakuConfig config, Store store, SenderRegistry senders, Events events, Clock clock,
      AuthThrottle throttle, RecipientDirectory recipients, KeptCounters rateCounters) {
    List<Rule> rules =
        new ArrayList<>(
            List.of(
                new SenderOwnershipRule(senders, config.auth().isNullSenderAllowed()),
                new SuspensionRule(new StoreSuspensions(store.defences(), clock), config.rates(), events, clock),
                new RateRule(config.rates(), rateCounters),
                new RelayRule(new HashSet<>(config.relayDomains()))));
    returnPathRule(config, store).ifPresent(rules::add);
    rules.add(new MaildirMailboxRule(config.maildirDomains()));
    var abuse = config.abuse();
    rules.add(new RecipientRule(new HashSet<>(config.hostedDomains()), recipients,
        new DirectoryHarvest(new DirectoryHarvest.Settings(abuse.tarpit(), abuse.tarpitMax(), config.recipients().harvestThreshold()),
            throttle::blockNetwork, events, clock)));
    rules.add(new SuppressionRule(new StoreSuppressions(store.suppressions())));
    return new PolicyChain(rules);
  }

  /**
   * Who the hosted domains take mail for ({@link HostedRecipients}): the config's lists, the account
   * store, and the next hop of each domain routed by LMTP or SMTP, asked within {@code
   * recipients.verify-timeout} over TLS checked against {@code outboundTls} as delivery's is.
   */
  static RecipientDirectory recipients(
      HikyakuConfig config, Store store, Routes routes, Clock clock, Optional<SSLContext> outboundTls) {
    var r = config.recipients();
    return new HostedRecipients(r, store.accounts(), routes,
        new RecipientCallout(new RecipientCallout.Settings(config.hostname(), r.verifyTimeout(), r.verifyPositiveTtl(),
            r.verifyNegativeTtl()), outboundTls, clock));
  }

  /**
   * RCPT to the returns domain, when {@code returns} is enabled: its return paths (verified), the
   * feedback address and postmaster only.
   */
  private static Optional<ReturnPathRule> returnPathRule(HikyakuConfig config, Store store) {
    return DeliveryWiring.returnPaths(config, store).map(paths -> new ReturnPathRule(paths.domain(), config.returns().feedbackAddress(),
        local -> switch (paths.recognize(local)) {
          case ReturnPaths.Recognition.Ours ours -> Optional.empty();
          case ReturnPaths.Recognition.Forged forged -> Optional.of("forged return path: " + forged.reason());
          case ReturnPaths.Recognition.NotAReturnPath none -> Optional.of("not a return path, the feedback address or postmaster");
        }));
  }
}
