package dev.hikyaku.store;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A message as the queue holds it: envelope, per-recipient state, origin and content.
 *
 * @param reversePath "" is the null path {@code <>}
 * @param recipients in RCPT order
 * @param size octets of content
 * @param state queued, held or returning (being sent back to its sender)
 * @param holdReason why a held message is held, when a content filter held it
 */
public record QueuedMessage(
    QueueId id,
    Instant receivedAt,
    String reversePath,
    String mailParameters,
    List<QueuedRecipient> recipients,
    Origin origin,
    long size,
    MessageState state,
    byte[] content,
    Optional<String> holdReason) {

  public QueuedMessage {
    recipients = List.copyOf(recipients);
    Objects.requireNonNull(holdReason, "holdReason");
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof QueuedMessage that
        && id.equals(that.id)
        && receivedAt.equals(that.receivedAt)
        && reversePath.equals(that.reversePath)
        && mailParameters.equals(that.mailParameters)
        && recipients.equals(that.recipients)
        && origin.equals(that.origin)
        && size == that.size
        && state == that.state
        && Arrays.equals(content, that.content)
        && holdReason.equals(that.holdReason);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, receivedAt, reversePath, mailParameters, recipients, origin, size, state, holdReason)
        + 31 * Arrays.hashCode(content);
  }

  /** Names the message without its content, which may be large or private. */
  @Override
  public String toString() {
    return "QueuedMessage[id=" + id + ", receivedAt=" + receivedAt + ", reversePath=<" + reversePath
        + ">, recipients=" + recipients.size() + ", size=" + size + ", state=" + state.stored() + "]";
  }
}
