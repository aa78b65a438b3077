package dev.hikyaku.intake;

import dev.hikyaku.protocol.Reply;
import dev.hikyaku.store.QueueId;

/** What intake did with a message: queued it, or refused it (the reply says why). */
public sealed interface IntakeResult {

  record Queued(QueueId id) implements IntakeResult {}

  /** Refused by a submission rule; {@code reason} is for the operator. */
  record Refused(Reply reply, String reason) implements IntakeResult {}
}
