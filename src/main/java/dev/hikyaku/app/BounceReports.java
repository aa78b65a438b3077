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
import dev.hikyaku.protocol.RcptParams;
import dev.hikyaku.protocol.ReversePath;
import dev.hikyaku.schedule.DeliveryReports;
import dev.hikyaku.schedule.RecipientReport;
import dev.hikyaku.store.DueDelivery;
import dev.hikyaku.store.StoreException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns failed and delayed recipients into RFC 3464 reports to the original sender, queued through
 * intake with the null sender; none for a message that had the null sender itself (RFC 5321 §4.5.5:
 * never a bounce of a bounce).
 */
final class BounceReports implements DeliveryReports {

  private static final Pattern STATUS = Pattern.compile("^\\d{3}[ -]([245]\\.\\d{1,3}\\.\\d{1,3})");

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
    report(delivery, recipients, "failed", "5.0.0");
  }

  @Override
  public void delayed(DueDelivery delivery, List<RecipientReport> recipients) throws StoreException {
    report(delivery, recipients, "delayed", "4.0.0");
  }

  private void report(DueDelivery delivery, List<RecipientReport> recipients, String action, String fallbackStatus)
      throws StoreException {
    if (!Bouncer.shouldBounce(delivery.reversePath())) {
      return;
    }
    List<DsnRecipient> reported =
        recipients.stream()
            .map(r -> new DsnRecipient(
                r.forwardPath(),
                action,
                status(r.reply(), fallbackStatus),
                Optional.empty(),
                Optional.of("smtp; " + r.reply()),
                Optional.of(r.lastAttemptAt()),
                r.willRetryUntil()))
            .toList();
    byte[] dsn =
        bouncer.dsn(
            new DsnRequest(hostname, Optional.empty(), new DsnOriginal(delivery.reversePath(), delivery.receivedAt(), delivery.content()), reported, false));
    Envelope envelope =
        new Envelope(ReversePath.NULL, MailParams.NONE, List.of(new Envelope.Recipient(ForwardPath.of(delivery.reversePath()), RcptParams.NONE)));
    try {
      intake.acceptBounce(new MessageSource.Bounce(hostname), envelope, dsn);
    } catch (IntakeException e) {
      // The scheduler keeps the recipients and reports them again at their next attempt.
      throw new StoreException(StoreException.Kind.UNAVAILABLE, "could not queue the report: " + e.getMessage(), e);
    }
  }

  /** The RFC 3463 status at the start of a reply, or the fallback (RFC 3464 §2.3.4 needs one). */
  static String status(String reply, String fallback) {
    Matcher m = STATUS.matcher(reply);
    return m.find() ? m.group(1) : fallback;
  }
}
