package dev.hikyaku.app;

import dev.hikyaku.policy.SuppressionRule;
import dev.hikyaku.store.StoreException;
import dev.hikyaku.store.Suppression;
import dev.hikyaku.store.Suppressions;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The store behind the suppression rule. */
final class StoreSuppressions implements SuppressionRule.Suppressions {

  private static final Logger log = LoggerFactory.getLogger(StoreSuppressions.class);

  private final Suppressions suppressions;

  StoreSuppressions(Suppressions suppressions) {
    this.suppressions = suppressions;
  }

  @Override
  public Optional<SuppressionRule.Entry> find(String senderDomain, String recipient) {
    try {
      return suppressions.find(senderDomain, recipient).map(StoreSuppressions::entry);
    } catch (StoreException e) {
      // Fail open (see SuppressionRule): the remote server still refuses the address.
      log.warn("could not look up the suppression of <{}> for {}: {}", recipient, senderDomain, e.getMessage());
      return Optional.empty();
    }
  }

  private static SuppressionRule.Entry entry(Suppression s) {
    String why = switch (s.reason()) {
      case HARD_BOUNCE -> "hard bounce";
      case COMPLAINT -> "complaint";
      case MANUAL -> "added by an administrator";
    };
    return new SuppressionRule.Entry(s.createdAt(), why, s.cause().orElse(why));
  }
}
