package dev.hikyaku.store;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A queued message with the recipients whose delivery is due, as {@link MessageQueue#due} hands it
 * to the scheduler. The content array is not copied (bodies can be tens of MiB): do not change it.
 *
 * @param reversePath "" is the null path {@code <>}
 * @param mailParameters the MAIL FROM ESMTP parameters as on the wire
 * @param content header and body octets, CRLF line ends
 * @param recipients the due recipients in RCPT order; never empty
 * @param isReturning the administrator asked for the message to go back to its sender ({@link
 *     QueueAdmin#returnToSender}): its recipients are to fail with a DSN, not be delivered
 * @param isSubmitted an authenticated client sent it (SMTP AUTH or an API key: the queue row has a
 *     principal), so it is our sender's mail going out, whose returns a VERP return path can bring
 *     back ({@code returns}); mail relayed in and our own bounces are not
 * @param leaseToken the token of this node's lease on the message when it was claimed ({@link
 *     MessageQueue#claim}); its outcomes are written only while it is still the message's. 0: not
 *     claimed ({@link MessageQueue#due}), not fenced
 */
public record DueDelivery(
    QueueId id,
    Instant receivedAt,
    String reversePath,
    String mailParameters,
    byte[] content,
    List<DueRecipient> recipients,
    boolean isReturning,
    boolean isSubmitted,
    long leaseToken) {

  /** Not claimed. */
  public DueDelivery(
      QueueId id, Instant receivedAt, String reversePath, String mailParameters, byte[] content, List<DueRecipient> recipients,
      boolean isReturning, boolean isSubmitted) {
    this(id, receivedAt, reversePath, mailParameters, content, recipients, isReturning, isSubmitted, 0);
  }

  /** A message to deliver (not one being returned), not submitted by an authenticated client. */
  public DueDelivery(
      QueueId id, Instant receivedAt, String reversePath, String mailParameters, byte[] content, List<DueRecipient> recipients) {
    this(id, receivedAt, reversePath, mailParameters, content, recipients, false, false);
  }

  /** Not submitted by an authenticated client. */
  public DueDelivery(
      QueueId id, Instant receivedAt, String reversePath, String mailParameters, byte[] content, List<DueRecipient> recipients,
      boolean isReturning) {
    this(id, receivedAt, reversePath, mailParameters, content, recipients, isReturning, false);
  }

  public DueDelivery {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(receivedAt, "receivedAt");
    Objects.requireNonNull(reversePath, "reversePath");
    Objects.requireNonNull(mailParameters, "mailParameters");
    Objects.requireNonNull(content, "content");
    recipients = List.copyOf(recipients);
    if (recipients.isEmpty()) {
      throw new IllegalArgumentException("due delivery of " + id + " has no recipients");
    }
  }

  /** The same message with only {@code subset} of its recipients (one destination's share). */
  public DueDelivery withRecipients(List<DueRecipient> subset) {
    return new DueDelivery(id, receivedAt, reversePath, mailParameters, content, subset, isReturning, isSubmitted, leaseToken);
  }

  /** The same message as claimed with {@code token}. */
  public DueDelivery withLease(long token) {
    return new DueDelivery(id, receivedAt, reversePath, mailParameters, content, recipients, isReturning, isSubmitted, token);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof DueDelivery that
        && id.equals(that.id)
        && receivedAt.equals(that.receivedAt)
        && reversePath.equals(that.reversePath)
        && mailParameters.equals(that.mailParameters)
        && Arrays.equals(content, that.content)
        && recipients.equals(that.recipients)
        && isReturning == that.isReturning
        && leaseToken == that.leaseToken
        && isSubmitted == that.isSubmitted;
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, receivedAt, reversePath, mailParameters, recipients, isReturning, isSubmitted)
        + 31 * Arrays.hashCode(content);
  }

  /** Names the delivery without its content, which may be large or private. */
  @Override
  public String toString() {
    return "DueDelivery[id=" + id + ", reversePath=<" + reversePath + ">, recipients="
        + recipients.stream().map(DueRecipient::forwardPath).toList() + ", size=" + content.length
        + (isReturning ? ", returning" : "") + (isSubmitted ? ", submitted" : "") + "]";
  }
}
