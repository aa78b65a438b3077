package dev.hikyaku.intake;

import dev.hikyaku.protocol.Reply;
import dev.hikyaku.store.QueueId;
import java.util.Optional;

/** What intake did with a message: queued it, or refused it (the reply says why). */
public sealed interface IntakeResult {

  /**
   * Durable in the queue.
   *
   * @param messageId the Message-ID field it was queued with (after the submission fix-ups), if any
   */
  record Queued(QueueId id, Optional<String> messageId) implements IntakeResult {}

  /** Refused by a submission rule; {@code reason} is for the operator. */
  record Refused(Reply reply, String reason) implements IntakeResult {}
}
