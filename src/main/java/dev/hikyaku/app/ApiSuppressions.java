package dev.hikyaku.app;

import dev.hikyaku.api.SuppressionList;
import dev.hikyaku.api.Unavailable;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import dev.hikyaku.store.Suppression;
import dev.hikyaku.store.Suppressions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The API's view of the suppression list ({@code store.Suppressions}): an account's entries are
 * those of its sending domains, the domains of the addresses and {@code @domain}s it may send as
 * (the list is kept per sending domain, as {@code policy.SuppressionRule} looks it up at RCPT).
 * Changes are published as the admin changes {@code hikyaku suppression add|remove} record ({@link
 * Event.AdminChange}, the audit log's {@code admin_change}), the detail naming the key.
 */
final class ApiSuppressions implements SuppressionList {

  private final Store store;
  private final Events events;
  private final Clock clock;

  ApiSuppressions(Store store, Events events, Clock clock) {
    this.store = store;
    this.events = events;
    this.clock = clock;
  }

  @Override
  public List<SuppressionView> page(String account, Optional<Position> after, int limit) throws Unavailable {
    try {
      return store.suppressions()
          .page(sendingDomains(account), after.map(p -> new Suppressions.Position(p.senderDomain(), p.recipient())), limit)
          .stream()
          .map(ApiSuppressions::view)
          .toList();
    } catch (StoreException e) {
      throw new Unavailable("listing the suppressions of " + account + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Removal remove(String account, String address, String keyName) throws Unavailable {
    return onAddress(address, invalid -> invalid, recipient -> removeCanonical(account, recipient, keyName));
  }

  private Removal removeCanonical(String account, String recipient, String keyName) throws Unavailable {
    List<Suppression> removed;
    try {
      removed = store.suppressions().removeEverywhere(sendingDomains(account), recipient);
    } catch (StoreException e) {
      throw new Unavailable("removing the suppression of <" + recipient + "> for " + account + ": " + e.getMessage(), e);
    }
    if (removed.isEmpty()) {
      return new Removal.NotListed();
    }
    told("suppression remove", removed, keyName);
    return new Removal.Removed(removed.stream().map(ApiSuppressions::view).toList());
  }

  @Override
  public Addition add(String account, String address, String keyName) throws Unavailable {
    return onAddress(address, invalid -> invalid, recipient -> addCanonical(account, recipient, keyName));
  }

  private Addition addCanonical(String account, String recipient, String keyName) throws Unavailable {
    try {
      List<String> domains = sendingDomains(account);
      if (domains.isEmpty()) {
        return new Addition.NoSendingDomain();
      }
      Instant now = clock.instant();
      List<Suppression> added =
          store.suppressions().addAbsent(domains.stream().map(d -> Suppression.manual(d, recipient, now)).toList());
      told("suppression add", added, keyName);
      List<Suppression> kept = new ArrayList<>();
      for (String domain : domains) {
        if (added.stream().noneMatch(s -> s.senderDomain().equals(domain))) {
          store.suppressions().find(domain, recipient).ifPresent(kept::add);
        }
      }
      return new Addition.Listed(added.stream().map(ApiSuppressions::view).toList(),
          kept.stream().map(ApiSuppressions::view).toList());
    } catch (StoreException e) {
      throw new Unavailable("suppressing <" + recipient + "> for " + account + ": " + e.getMessage(), e);
    }
  }

  /** What is done with an address once it is canonical; may fail as the store does. */
  @FunctionalInterface
  private interface OnAddress<T> {
    T apply(String recipient) throws Unavailable;
  }

  /**
   * {@code valid} of {@code address} in the canonical spelling RCPT looks it up with (the CLI's
   * rule, RFC 5321 §4.1.2), or {@code invalid} of the reason it is not an address.
   */
  private static <T> T onAddress(String address, Function<InvalidAddress, T> invalid, OnAddress<T> valid) throws Unavailable {
    String recipient;
    try {
      recipient = SuppressionCommand.canonicalAddress(address);
    } catch (IllegalArgumentException e) {
      return invalid.apply(new InvalidAddress(e.getMessage()));
    }
    return valid.apply(recipient);
  }

  /** As the CLI records it (docs/audit-log.md): the recipient as subject, the domain as detail. */
  private void told(String command, List<Suppression> entries, String keyName) {
    for (Suppression s : entries) {
      events.publish(new Event.AdminChange(clock.instant(), command, s.recipient(),
          "for " + s.senderDomain() + " by api key " + keyName));
    }
  }

  /**
   * The domains {@code account} may send from, lower-case, sorted: of each sender it holds, an
   * address {@code local@domain} or a whole {@code @domain} (RFC 6409 §4.2 sender ownership).
   */
  private List<String> sendingDomains(String account) throws StoreException {
    return store.accounts().senders(account).stream()
        .map(sender -> sender.substring(sender.lastIndexOf('@') + 1))
        .distinct()
        .sorted()
        .toList();
  }

  private static SuppressionView view(Suppression s) {
    return new SuppressionView(s.senderDomain(), s.recipient(), s.reason().keyword(), s.enhancedStatus(), s.diagnostic(),
        s.queueId().map(id -> id.value()), s.createdAt());
  }
}
