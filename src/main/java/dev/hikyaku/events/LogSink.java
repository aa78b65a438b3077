package dev.hikyaku.events;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes every event as one log line under the logger {@code hikyaku.events}. */
public final class LogSink implements EventSink {

  private static final Logger log = LoggerFactory.getLogger("hikyaku.events");

  @Override
  public void accept(Event event) {
    switch (event) {
      case Event.ConnectionRefused e -> log.warn("{}", e);
      case Event.ProtocolViolation e -> log.warn("{}", e);
      case Event.TlsFailed e -> log.info("{}", e);
      case Event.RecipientRejected e -> log.info("{}", e);
      case Event.SuppressedRecipientRefused e -> log.debug("{}", e); // its RecipientRejected is logged
      case Event.SenderRejected e -> log.info("{}", e);
      case Event.MessageRejected e -> log.info("{}", e);
      case Event.ContentScanned e -> log.debug("{}", e); // the send log has it
      case Event.ConnectionOpened e -> log.debug("{}", e);
      case Event.ConnectionClosed e -> log.debug("{}", e);
      case Event.TlsEstablished e -> log.debug("{}", e);
      case Event.MessageAccepted e -> log.debug("{}", e); // the send log has it
      // Every check, success or not, is a line of the audit log (AuditLogSink). Here a success is
      // debug: one formatted record per connection or API request was log formatting on the
      // session's thread that told nothing new (issue 15 point 3).
      case Event.AuthAttempt e -> {
        if (e.result().kind() == Event.AuthAttempt.Kind.SUCCESS) {
          log.debug("{}", e);
        } else {
          log.info("{}", e);
        }
      }
      case Event.ApiKeyChecked e -> {
        if (e.result().equals("success")) {
          log.debug("{}", e);
        } else {
          log.info("{}", e);
        }
      }
      // Abuse defence: what an operator must see without asking goes out as a warning.
      case Event.ClientBlocked e -> log.warn("{}", e);
      case Event.AccountSuspended e -> log.warn("{}", e);
      case Event.AttackSuspected e -> log.warn("{}", e);
      case Event.ClientUnblocked e -> log.info("{}", e);
      case Event.AccountUnsuspended e -> log.info("{}", e);
      case Event.AdminChange e -> log.info("{}", e);
      case Event.WebhookDisabled e -> log.warn("{}", e);
      // The endpoint's delivery log keeps every attempt; the server's log, what did not go through.
      case Event.WebhookAttempted e -> {
        if (e.result() == Event.WebhookAttempted.Result.DELIVERED) {
          log.debug("{}", e);
        } else {
          log.info("{}", e);
        }
      }
      // Delivery has its own log, the send log (SendLogSink); the full records are here for debugging.
      case Event.DeliveryAttempted e -> log.debug("{}", e);
      case Event.DeliveryDeferred e -> log.debug("{}", e);
      case Event.DeliveryBounced e -> log.debug("{}", e);
      case Event.DeliveryExpired e -> log.debug("{}", e);
      case Event.DsnQueued e -> log.debug("{}", e);
      case Event.RecipientSuppressed e -> log.info("{}", e);
      // Returned mail: the send log tells the reports; returns.ReturnedMail warns of one kept unread.
      case Event.DsnReceived e -> log.debug("{}", e);
      case Event.ComplaintReceived e -> log.info("{}", e);
      case Event.ReturnedMailUnparsed e -> log.debug("{}", e);
      case Event.MessageRemoved e -> log.debug("{}", e);
      case Event.QueueAdministered e -> log.debug("{}", e); // the send log has it
    }
  }
}
