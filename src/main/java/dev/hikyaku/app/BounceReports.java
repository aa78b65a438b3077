package dev.hikyaku.app;

import dev.hikyaku.delivery.Bouncer;
import dev.hikyaku.delivery.DsnOriginal;
import dev.hikyaku.delivery.DsnRecipient;
import dev.hikyaku.delivery.DsnRequest;
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
import dev.hikyaku.schedule.RecipientReport;
import dev.hikyaku.schedule.RecipientResult;
import dev.hikyaku.store.DueDelivery;
import dev.hikyaku.store.DueRecipient;
import dev.hikyaku.store.StoreException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns failed and delayed recipients into RFC 3464 reports to the original sender, queued through
 * intake with the null sender; none for a message that had the null sender itself (RFC 5321 §4.5.5:
 * never a bounce of a bounce).
 *
 * <p>RFC 3461 decides per recipient: NOTIFY=NEVER gets nothing, a failure is reported when NOTIFY
 * holds FAILURE or is absent (§4.1 default), a delay only when NOTIFY holds DELAY (the default
 * leaves delays to the MTA, and we keep them quiet). RET=FULL returns the whole message, ENVID comes
 * back as Original-Envelope-Id and ORCPT as Original-Recipient (§6.3).
 */
final class BounceReports implements DeliveryReports {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(BounceReports.class);

  private static final Pattern STATUS = Pattern.compile("^\\d{3}[ -]([245]\\.\\d{1,3}\\.\\d{1,3})");
  private static final Pattern REPLY = Pattern.compile("^[2-5]\\d{2}(?:[ -]|$)");
  // RFC 3463 §3.5: X.4.7 "Delivery time expired"; the message failed, so class 5.
  private static final String EXPIRED_STATUS = "5.4.7";

  private final Bouncer bouncer;
  private final MessageIntake intake;
  private final String hostname;

  BounceReports(Bouncer bouncer, MessageIntake intake, String hostname) {
    this.bouncer = bouncer;
    this.intake = intake;
    this.hostname = hostname;
  }

  @Override
  public void failed(DueDelivery delivery, List<RecipientReport> recipients) throws StoreException {
    report(delivery, recipients, Notify.FAILURE, "failed", "5.0.0");
  }

  @Override
  public void delayed(DueDelivery delivery, List<RecipientReport> recipients) throws StoreException {
    report(delivery, recipients, Notify.DELAY, "delayed", "4.0.0");
  }

  /** RFC 3461 §5.2.2: only recipients with NOTIFY=SUCCESS hear of success; never the content. */
  @Override
  public void succeeded(DueDelivery delivery, List<RecipientReport> recipients, RecipientResult.Handoff handoff)
      throws StoreException {
    String action = handoff == RecipientResult.Handoff.RELAYED ? "relayed" : "delivered";
    report(delivery, recipients, Notify.SUCCESS, action, "2.0.0");
  }

  private void report(
      DueDelivery delivery, List<RecipientReport> recipients, Notify event, String action, String fallbackStatus)
      throws StoreException {
    if (!Bouncer.shouldBounce(delivery.reversePath())) {
      return;
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
                action,
                r.isExpired() ? EXPIRED_STATUS : status(r.reply(), fallbackStatus),
                Optional.empty(),
                diagnostic(r.reply()),
                Optional.of(r.lastAttemptAt()),
                r.willRetryUntil(),
                rcptParams.getOrDefault(r.forwardPath(), RcptParams.NONE).orcpt().map(o -> o.toString())))
            .toList();
    if (reported.isEmpty()) {
      return; // RFC 3461 §4.1: nobody asked for this report
    }
    byte[] dsn =
        bouncer.dsn(
            new DsnRequest(
                hostname,
                mailParams.envId(),
                new DsnOriginal(delivery.reversePath(), delivery.receivedAt(), delivery.content()),
                reported,
                // RFC 3461 §4.3: RET=FULL asks for the message back in a "failed" report only.
                event == Notify.FAILURE && mailParams.ret().orElse(Ret.HDRS) == Ret.FULL));
    Envelope envelope =
        new Envelope(ReversePath.NULL, MailParams.NONE, List.of(new Envelope.Recipient(ForwardPath.of(delivery.reversePath()), RcptParams.NONE)));
    try {
      intake.acceptBounce(new MessageSource.Bounce(hostname), envelope, dsn);
    } catch (IntakeException e) {
      // The scheduler keeps the recipients and reports them again at their next attempt.
      throw new StoreException(StoreException.Kind.UNAVAILABLE, "could not queue the report: " + e.getMessage(), e);
    }
  }

  /**
   * Stored parameters as values. Only our own toWire() writes them; should one be unreadable (a
   * damaged queue), the report goes out on RFC 3461's defaults rather than not at all.
   */
  private static <T> T readable(String wire, java.util.function.Function<String, T> parse, T fallback) {
    try {
      return parse.apply(wire);
    } catch (IllegalArgumentException e) {
      log.warn("reporting with DSN defaults: {}", e.getMessage());
      return fallback;
    }
  }

  /**
   * RFC 3464 §2.3.6: a remote server's reply is typed "smtp"; our own reason for a failure (an
   * admin return, "delivery time expired: ...") is no SMTP reply and gets an X- type, as Postfix
   * writes "X-Postfix;".
   */
  static Optional<String> diagnostic(String reply) {
    return Optional.of((REPLY.matcher(reply).find() ? "smtp; " : "X-Hikyaku; ") + reply);
  }

  /** The RFC 3463 status at the start of a reply, or the fallback (RFC 3464 §2.3.4 needs one). */
  static String status(String reply, String fallback) {
    Matcher m = STATUS.matcher(reply);
    // RFC 3463 §2: the class repeats the reply's first digit; a "451 5.7.1" (seen in the wild) must
    // not put a permanent status into a delay report.
    return m.find() && m.group(1).charAt(0) == reply.charAt(0) ? m.group(1) : fallback;
  }
}
