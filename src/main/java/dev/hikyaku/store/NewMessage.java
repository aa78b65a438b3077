package dev.hikyaku.store;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A message that intake has finished with and hands to {@link MessageQueue#accept}.
 *
 * <p>{@code receivedAt} is truncated to the millisecond here, because the store keeps times in
 * epoch milliseconds: what this record holds is exactly what {@link QueueAdmin#find} returns. The
 * content array is not copied (bodies can be tens of MiB): the caller must not change it after
 * handing it over.
 *
 * @param reversePath the MAIL FROM address without angle brackets; "" is the null path {@code <>}
 *     (RFC 5321 §4.5.5, used by bounces)
 * @param mailParameters the MAIL FROM ESMTP parameters as on the wire, "" if none
 * @param recipients the accepted recipients in RCPT order; at least one (RFC 5321 §3.3: DATA needs a
 *     successful RCPT)
 * @param content the message as it will be relayed: header and body octets, CRLF line ends, no
 *     dot-stuffing and no final {@code .CRLF}
 * @param headers the header fields the message history keeps (Message-ID, Subject, From)
 * @param annotations the tags and metadata the sending application attached (API only), kept in
 *     the history
 * @param idempotency the answer to keep for a repeated API request (Idempotency-Key), committed
 *     with the message; empty for every other message
 * @param holdReason when present, the message is queued held (not delivered until an operator
 *     releases it), for this reason (a content filter's verdict)
 * @param scan the content filter's verdict, kept in the history; empty when not scanned
 */
public record NewMessage(
    QueueId id,
    Instant receivedAt,
    String reversePath,
    String mailParameters,
    List<NewRecipient> recipients,
    Origin origin,
    byte[] content,
    AcceptedHeaders headers,
    Annotations annotations,
    Optional<IdempotencyRecord> idempotency,
    Optional<String> holdReason,
    Optional<ScanSummary> scan) {

  /** Not held. */
  public NewMessage(
      QueueId id,
      Instant receivedAt,
      String reversePath,
      String mailParameters,
      List<NewRecipient> recipients,
      Origin origin,
      byte[] content,
      AcceptedHeaders headers,
      Annotations annotations,
      Optional<IdempotencyRecord> idempotency) {
    this(id, receivedAt, reversePath, mailParameters, recipients, origin, content, headers, annotations, idempotency, Optional.empty(),
        Optional.empty());
  }

  /** Without annotations or an idempotency record: a message from SMTP or a bounce. */
  public NewMessage(
      QueueId id,
      Instant receivedAt,
      String reversePath,
      String mailParameters,
      List<NewRecipient> recipients,
      Origin origin,
      byte[] content,
      AcceptedHeaders headers) {
    this(id, receivedAt, reversePath, mailParameters, recipients, origin, content, headers, Annotations.NONE, Optional.empty());
  }

  /** Without header fields for the history (tests and tools that do not read the content). */
  public NewMessage(
      QueueId id,
      Instant receivedAt,
      String reversePath,
      String mailParameters,
      List<NewRecipient> recipients,
      Origin origin,
      byte[] content) {
    this(id, receivedAt, reversePath, mailParameters, recipients, origin, content, AcceptedHeaders.NONE);
  }

  public NewMessage {
    Objects.requireNonNull(id, "id");
    receivedAt = Objects.requireNonNull(receivedAt, "receivedAt").truncatedTo(ChronoUnit.MILLIS);
    Objects.requireNonNull(reversePath, "reversePath");
    Objects.requireNonNull(mailParameters, "mailParameters");
    recipients = List.copyOf(Objects.requireNonNull(recipients, "recipients"));
    if (recipients.isEmpty()) {
      throw new IllegalArgumentException("message " + id + " has no recipients");
    }
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(content, "content");
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(annotations, "annotations");
    Objects.requireNonNull(idempotency, "idempotency");
    Objects.requireNonNull(holdReason, "holdReason");
    Objects.requireNonNull(scan, "scan");
    idempotency.ifPresent(record -> {
      if (!record.queueId().equals(id)) {
        throw new IllegalArgumentException("the idempotency record of message " + id + " names " + record.queueId());
      }
    });
  }

  /** The same message with a content filter's verdict, and held for {@code holdReason} when present. */
  public NewMessage scanned(ScanSummary verdict, Optional<String> holdReason) {
    return new NewMessage(id, receivedAt, reversePath, mailParameters, recipients, origin, content, headers, annotations, idempotency,
        holdReason, Optional.of(verdict));
  }

  /** Octets of content. */
  public long size() {
    return content.length;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof NewMessage that
        && id.equals(that.id)
        && receivedAt.equals(that.receivedAt)
        && reversePath.equals(that.reversePath)
        && mailParameters.equals(that.mailParameters)
        && recipients.equals(that.recipients)
        && origin.equals(that.origin)
        && Arrays.equals(content, that.content)
        && headers.equals(that.headers)
        && annotations.equals(that.annotations)
        && idempotency.equals(that.idempotency)
        && holdReason.equals(that.holdReason)
        && scan.equals(that.scan);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, receivedAt, reversePath, mailParameters, recipients, origin, headers, annotations, idempotency, holdReason, scan)
        + 31 * Arrays.hashCode(content);
  }

  /** Names the message without its content, which may be large or private. */
  @Override
  public String toString() {
    return "NewMessage[id=" + id + ", receivedAt=" + receivedAt + ", reversePath=<" + reversePath
        + ">, recipients=" + recipients.size() + ", size=" + content.length + "]";
  }
}
