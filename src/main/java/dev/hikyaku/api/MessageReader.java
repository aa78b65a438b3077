package dev.hikyaku.api;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The message history as the API shows it. The app backs it with {@code store.MessageHistory}; the
 * api package sees only these views (it reads no store table itself).
 */
@FunctionalInterface
public interface MessageReader {

  /** There are no messages. */
  MessageReader NONE = id -> Optional.empty();

  /**
   * The message with queue id {@code id}, whatever account it belongs to (the caller checks); empty
   * if there is none or {@code id} is not a queue id.
   *
   * @throws Unavailable if the store cannot answer now
   */
  Optional<MessageView> message(String id) throws Unavailable;

  /** The store could not answer; the message is for the log. */
  final class Unavailable extends Exception {
    public Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * One accepted message.
   *
   * @param sender the reverse path, "" for the null path
   * @param principal the account it was submitted under, empty without AUTH
   */
  record MessageView(
      String id,
      Instant receivedAt,
      String sender,
      String listener,
      Optional<String> principal,
      Optional<String> messageId,
      Optional<String> subject,
      Optional<String> from,
      List<RecipientView> recipients) {

    public MessageView {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(receivedAt, "receivedAt");
      Objects.requireNonNull(sender, "sender");
      Objects.requireNonNull(listener, "listener");
      Objects.requireNonNull(principal, "principal");
      Objects.requireNonNull(messageId, "messageId");
      Objects.requireNonNull(subject, "subject");
      Objects.requireNonNull(from, "from");
      recipients = List.copyOf(recipients);
    }
  }

  /** One recipient: its latest outcome (empty before the first attempt) and every attempt, oldest first. */
  record RecipientView(String recipient, Optional<String> latestOutcome, List<AttemptView> attempts) {

    public RecipientView {
      Objects.requireNonNull(recipient, "recipient");
      Objects.requireNonNull(latestOutcome, "latestOutcome");
      attempts = List.copyOf(attempts);
    }
  }

  /**
   * One delivery attempt.
   *
   * @param outcome the outcome's keyword ({@code delivered}, {@code deferred}, ...)
   * @param status the enhanced status code (RFC 3463)
   * @param tls the protocol, empty when the attempt did not use TLS
   */
  record AttemptView(
      int attempt,
      Instant at,
      String outcome,
      String status,
      String diagnostic,
      Optional<String> remoteMta,
      Optional<String> tls,
      long delayMs,
      Optional<Instant> nextAttemptAt) {

    public AttemptView {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(outcome, "outcome");
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(diagnostic, "diagnostic");
      Objects.requireNonNull(remoteMta, "remoteMta");
      Objects.requireNonNull(tls, "tls");
      Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
    }
  }
}
