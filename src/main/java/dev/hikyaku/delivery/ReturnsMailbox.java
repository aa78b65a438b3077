package dev.hikyaku.delivery;

import dev.hikyaku.store.QueueId;
import java.util.List;

/**
 * The one mailbox of the returns domain ({@link Route.Returns}): what is delivered there is read as
 * a report about mail we sent (a DSN, RFC 3464; a feedback report, RFC 5965) rather than filed.
 * Implemented by {@code returns.ReturnedMail}; delivery only hands the message over.
 */
@FunctionalInterface
public interface ReturnsMailbox {

  /**
   * Reads message {@code id} (queued from port 25 for the returns domain); one attempt per
   * recipient, as {@link MaildirDelivery#deliver} gives them: delivered when it was read (or kept
   * unread), transient when it could not be recorded now and should come again.
   */
  List<Attempt> deliver(QueueId id, Outbound message);
}
