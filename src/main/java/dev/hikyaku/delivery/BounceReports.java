package dev.hikyaku.delivery;

import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.intake.IntakeException;
import dev.hikyaku.intake.MessageIntake;
import dev.hikyaku.intake.MessageSource;
import dev.hikyaku.protocol.Envelope;
import dev.hikyaku.protocol.ForwardPath;
import dev.hikyaku.protocol.MailParams;
import dev.hikyaku.protocol.Notify;
import dev.hikyaku.protocol.RcptParams;
import dev.hikyaku.protocol.Ret;
import dev.hikyaku.protocol.ReversePath;
import dev.hikyaku.schedule.DeliveryReports;
import dev.hikyaku.schedule.PendingReport;
import dev.hikyaku.schedule.RecipientReport;
import dev.hikyaku.schedule.RecipientResult;
import dev.hikyaku.store.DueDelivery;
import dev.hikyaku.store.DueRecipient;
import dev.hikyaku.store.StoreException;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Turns failed and delayed recipients into RFC 3464 reports to the original sender, made through
 * intake with the null sender (and queued by the scheduler with the outcomes they report); none for a message that had the null sender itself (RFC 5321 §4.5.5:
 * never a bounce of a bounce).
 *
 * <p>RFC 3461 decides per recipient: NOTIFY=NEVER gets nothing, a failure is reported when NOTIFY
 * holds FAILURE or is absent (§4.1 default), a delay only when NOTIFY holds DELAY (the default
 * leaves delays to the MTA, and we keep them quiet). RET=FULL returns the whole message, ENVID comes
 * back as Original-Envelope-Id and ORCPT as Original-Recipient (§6.3).
 */
public final class BounceReports implements DeliveryReports {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(BounceReports.class);


  private final Bouncer bouncer;
  private final MessageIntake intake;
  private final String hostname;

  private final Events events;
  private final Clock clock;

  BounceReports(Bouncer bouncer, MessageIntake intake, String hostname) {
    this(bouncer, intake, hostname, new Events(List.of()), Clock.systemUTC());
  }

  public BounceReports(Bouncer bouncer, MessageIntake intake, String hostname, Events events, Clock clock) {
    this.bouncer = bouncer;
    this.intake = intake;
    this.hostname = hostname;
    this.events = events;
    this.clock = clock;
  }

  @Override
  public Optional<PendingReport> failed(DueDelivery delivery, List<RecipientReport> recipients) throws StoreException {
    return report(delivery, recipients, Notify.FAILURE);
  }

  @Override
  public Optional<PendingReport> delayed(DueDelivery delivery, List<RecipientReport> recipients) throws StoreException {
    return report(delivery, recipients, Notify.DELAY);
  }

  /** RFC 3461 §5.2.2: only recipients with NOTIFY=SUCCESS hear of success; never the content. */
  @Override
  public Optional<PendingReport> succeeded(DueDelivery delivery, List<RecipientReport> recipients, RecipientResult.Handoff handoff)
      throws StoreException {
    // The status says "relayed" or "delivered" already (delivery.DeliveryWorker, from the handoff).
    return report(delivery, recipients, Notify.SUCCESS);
  }

  private Optional<PendingReport> report(
      DueDelivery delivery, List<RecipientReport> recipients, Notify event) throws StoreException {
    if (!Bouncer.shouldBounce(delivery.reversePath())) {
      return Optional.empty();
    }
    MailParams mailParams = readable(delivery.mailParameters(), MailParams::parse, MailParams.NONE);
    Map<String, RcptParams> rcptParams = new HashMap<>();
    for (DueRecipient r : delivery.recipients()) {
      rcptParams.putIfAbsent(r.forwardPath(), readable(r.parameters(), RcptParams::parse, RcptParams.NONE));
    }
    List<DsnRecipient> reported =
        recipients.stream()
            .filter(r -> rcptParams.getOrDefault(r.forwardPath(), RcptParams.NONE).wants(event))
            .map(r -> new DsnRecipient(
                r.forwardPath(),
                r.status(),
                Optional.of(r.lastAttemptAt()),
                r.willRetryUntil(),
                rcptParams.getOrDefault(r.forwardPath(), RcptParams.NONE).orcpt().map(o -> o.toString())))
            .toList();
    if (reported.isEmpty()) {
      return Optional.empty(); // RFC 3461 §4.1: nobody asked for this report
    }
    byte[] dsn =
        bouncer.dsn(
            new DsnRequest(
                hostname,
                mailParams.envId(),
                new DsnOriginal(delivery.reversePath(), delivery.receivedAt(), delivery.content()),
                reported,
                // RFC 3461 §4.3: RET=FULL asks for the message back in a "failed" report only. Never
                // for a REQUIRETLS message (RFC 8689 §5): its content went only over verified TLS, and
                // the report's path is not held to that.
                event == Notify.FAILURE && mailParams.ret().orElse(Ret.HDRS) == Ret.FULL && !mailParams.isRequireTls()));
    Envelope envelope =
        new Envelope(ReversePath.NULL, MailParams.NONE, List.of(new Envelope.Recipient(ForwardPath.of(delivery.reversePath()), RcptParams.NONE)));
    MessageSource.Bounce source = new MessageSource.Bounce(hostname);
    try {
      return switch (intake.prepareBounce(source, envelope, dsn)) {
        case MessageIntake.Prepared.Refused refused -> {
          // Intake refuses nothing from the null sender today; should a rule start to, say so.
          log.warn("intake refused the report on message {}: {}", delivery.id(), refused.refusal().reason());
          yield Optional.empty();
        }
        case MessageIntake.Prepared.Ready ready -> Optional.of(new PendingReport(ready.message(), () -> {
          intake.announce(source, envelope, ready.message());
          events.publish(new Event.DsnQueued(clock.instant(), delivery.id().toString(), ready.queued().id().toString(),
              delivery.reversePath(), reported.getFirst().status().action(),
              reported.stream().map(DsnRecipient::finalRecipient).toList()));
        }));
      };
    } catch (IntakeException e) {
      // The scheduler keeps the recipients and reports them again at their next attempt.
      throw new StoreException(StoreException.Kind.UNAVAILABLE, "could not make the report: " + e.getMessage(), e);
    }
  }

  /**
   * Stored parameters as values. Only our own toWire() writes them; should one be unreadable (a
   * damaged queue), the report goes out on RFC 3461's defaults rather than not at all.
   */
  private static <T> T readable(String wire, Function<String, T> parse, T fallback) {
    try {
      return parse.apply(wire);
    } catch (IllegalArgumentException e) {
      log.warn("reporting with DSN defaults: {}", e.getMessage());
      return fallback;
    }
  }
}
