package dev.hikyaku.policy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.hikyaku.config.RateConfig;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.limits.DistinctCounter;
import dev.hikyaku.protocol.Envelope;
import dev.hikyaku.protocol.Replies;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Compromised-account detection. An account whose sending departs sharply from its own baseline —
 * many times its usual hourly volume, or a burst of recipient domains — is suspended from sending:
 * AUTH still works, MAIL gets 550 5.7.1 telling the owner to contact the admin, and an event is
 * raised. A network the account never logged in from halves the volume it takes.
 */
public final class SuspensionRule implements Rule {

  /** The rule's name in rulings and events; the HTTP API tells its refusals apart by it. */
  public static final String NAME = "suspension";

  /** The account store's side: suspension state and known networks. */
  public interface Suspensions {
    /** The reason an account is suspended; empty when it is not (or when the store cannot say). */
    Optional<String> reason(String account);

    void suspend(String account, String reason);

    boolean isKnownNetwork(String account, InetAddress client);
  }

  /** One account's sending per hour: this hour's count and the moving average of past hours. */
  private static final class Volume {
    long hourStart;
    long count;
    double usual;
  }

  private static final long HOUR = Duration.ofHours(1).toMillis();
  // Weight of the hour just ended in the moving average.
  private static final double ALPHA = 0.3;

  private final Suspensions suspensions;
  private final RateConfig thresholds;
  private final Events events;
  private final Clock clock;
  private final Cache<String, Volume> volumes = Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(Duration.ofDays(7)).build();
  private final DistinctCounter domains;

  /** With the thresholds of the {@code rates} section of the config ({@code suspend-*}). */
  public SuspensionRule(Suspensions suspensions, RateConfig thresholds, Events events, Clock clock) {
    this.suspensions = suspensions;
    this.thresholds = thresholds;
    this.events = events;
    this.clock = clock;
    this.domains = new DistinctCounter(Duration.ofHours(1), 100_000, thresholds.suspendNewDomains() + 1, clock);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Verdict onSender(SenderCheck check) {
    if (check.principal().isEmpty()) {
      return Verdict.CONTINUE;
    }
    String account = check.principal().get().account();
    return suspensions
        .reason(account)
        .<Verdict>map(reason -> new Verdict.Reject(Replies.accountSuspended(account), "suspended: " + reason))
        .orElse(Verdict.CONTINUE);
  }

  @Override
  public void onAccepted(AcceptedCheck check) {
    if (check.principal().isEmpty()) {
      return;
    }
    String account = check.principal().get().account();
    Hour hour = countThisHour(account);
    long count = hour.count();
    double usual = hour.usual();
    int distinctDomains = 0;
    for (Envelope.Recipient recipient : check.envelope().recipients()) {
      distinctDomains = domains.add(account, recipient.to().mailbox().normalizedDomain());
    }
    // The network only matters once the count could reach the lower threshold: no store read below it.
    boolean isNewNetwork = count >= thresholds.suspendVolumeMinimum() / 2 && !suspensions.isKnownNetwork(account, check.client());
    long minimum = isNewNetwork ? thresholds.suspendVolumeMinimum() / 2 : thresholds.suspendVolumeMinimum();
    String reason = null;
    if (count >= minimum && count > thresholds.suspendVolumeFactor() * usual) {
      reason = count + " messages this hour against a usual " + String.format(Locale.ROOT, "%.1f", usual)
          + (isNewNetwork ? ", from a network it never logged in from" : "");
    } else if (distinctDomains >= thresholds.suspendNewDomains()) {
      reason = "recipients in " + distinctDomains + " domains within an hour";
    }
    if (reason != null && suspensions.reason(account).isEmpty()) {
      suspensions.suspend(account, reason);
      events.publish(new Event.AccountSuspended(clock.instant(), account, reason));
    }
  }

  /** This hour's count and the usual hourly volume, read together inside the map's compute. */
  private record Hour(long count, double usual) {}

  private Hour countThisHour(String account) {
    long now = clock.millis();
    long hourStart = now - Math.floorMod(now, HOUR);
    Hour[] seen = new Hour[1];
    volumes.asMap().compute(account, (k, v) -> {
          Volume current = v == null ? new Volume() : v;
          if (v == null) {
            current.hourStart = hourStart;
          } else if (current.hourStart != hourStart) {
            // Fold the finished hour, and any silent hours since, into the usual volume.
            current.usual = ALPHA * current.count + (1 - ALPHA) * current.usual;
            long silentHours = Math.min(168, (hourStart - current.hourStart) / HOUR - 1);
            for (long i = 0; i < silentHours; i++) {
              current.usual *= 1 - ALPHA;
            }
            current.hourStart = hourStart;
            current.count = 0;
          }
          current.count++;
          seen[0] = new Hour(current.count, current.usual);
          return current;
        });
    return seen[0];
  }
}
