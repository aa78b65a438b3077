package dev.hikyaku.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An accepted message as the history keeps it: the envelope, where it came from and the header
 * fields it was accepted with, each recipient with its latest outcome. No content: the history
 * outlives the queue, the body does not.
 *
 * @param reversePath "" is the null path {@code <>}
 * @param size octets as queued
 * @param listener the listener's config name, or {@code bounce} for our own reports
 * @param principal the authenticated account (RFC 4954), empty without AUTH
 * @param recipients in RCPT order
 * @param scan the content filter's verdict when the message was scanned (issue 21)
 * @param annotations the tags and metadata an application sending over the API attached
 */
public record HistoryMessage(
    QueueId id,
    Instant receivedAt,
    String reversePath,
    long size,
    String listener,
    String clientAddress,
    Optional<String> principal,
    AcceptedHeaders headers,
    List<HistoryRecipient> recipients,
    Annotations annotations,
    Optional<ScanSummary> scan) {

  public HistoryMessage {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(receivedAt, "receivedAt");
    Objects.requireNonNull(reversePath, "reversePath");
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(clientAddress, "clientAddress");
    Objects.requireNonNull(principal, "principal");
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(scan, "scan");
    recipients = List.copyOf(recipients);
    Objects.requireNonNull(annotations, "annotations");
  }
}
