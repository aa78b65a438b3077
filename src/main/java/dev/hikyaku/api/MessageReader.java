package dev.hikyaku.api;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The message history as the API shows it. The app backs it with {@code store.MessageHistory}; the
 * api package sees only these views (it reads no store table itself).
 */
public interface MessageReader {

  /** There are no messages. */
  MessageReader NONE = new MessageReader() {
    @Override
    public Optional<MessageView> message(String id) {
      return Optional.empty();
    }

    @Override
    public List<MessageView> search(Search search) {
      return List.of();
    }
  };

  /**
   * The message with queue id {@code id}, whatever account it belongs to (the caller checks); empty
   * if there is none or {@code id} is not a queue id.
   *
   * @throws Unavailable if the store cannot answer now
   */
  Optional<MessageView> message(String id) throws Unavailable;

  /**
   * The messages of {@code search.account()} that match it, newest first (then by id, descending),
   * at most {@code search.limit()}. Each recipient carries its latest outcome, not its attempts.
   *
   * @throws Unavailable if the store cannot answer now
   */
  List<MessageView> search(Search search) throws Unavailable;

  /**
   * A recipient's latest outcome, in the message history's words (its keywords, as {@code hikyaku
   * history search --status} takes them): {@code delivered} and {@code relayed} (RFC 3464 §2.3.3),
   * {@code deferred}, {@code failed} (a bounce, ours or one that came back as a DSN), {@code
   * expired}, {@code returned} (by an administrator), {@code complained} (a feedback report came
   * back about it, RFC 5965). A recipient not yet tried has none.
   */
  enum Outcome {
    DELIVERED,
    RELAYED,
    DEFERRED,
    FAILED,
    EXPIRED,
    RETURNED,
    COMPLAINED;

    /** As the API writes and reads it. */
    public String keyword() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The outcome named {@code keyword} exactly (lower case), or empty. */
    static Optional<Outcome> fromKeyword(String keyword) {
      for (Outcome outcome : values()) {
        if (outcome.keyword().equals(keyword)) {
          return Optional.of(outcome);
        }
      }
      return Optional.empty();
    }
  }

  /** Where a message stands in the order of a search: received, then id. */
  record Position(Instant receivedAt, String id) {
    public Position {
      Objects.requireNonNull(receivedAt, "receivedAt");
      Objects.requireNonNull(id, "id");
    }
  }

  /**
   * One page of {@code GET /v1/messages}: every present filter must match.
   *
   * @param account only messages submitted under this account (the key's); empty for every
   *     account's and those submitted under none (an operator's search)
   * @param sender the reverse path, ignoring case
   * @param recipient a recipient's forward path, ignoring case
   * @param status a recipient's latest outcome (with {@code recipient}, that recipient's)
   * @param since received at or after
   * @param until received before
   * @param before after this position in the order: where the page before ended
   */
  record Search(
      Optional<String> account,
      Optional<String> sender,
      Optional<String> recipient,
      Optional<Outcome> status,
      Optional<Instant> since,
      Optional<Instant> until,
      Optional<Position> before,
      Optional<String> tag,
      int limit) {

    public Search {
      Objects.requireNonNull(account, "account");
      Objects.requireNonNull(sender, "sender");
      Objects.requireNonNull(recipient, "recipient");
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(since, "since");
      Objects.requireNonNull(until, "until");
      Objects.requireNonNull(before, "before");
      Objects.requireNonNull(tag, "tag");
      if (limit < 1) {
        throw new IllegalArgumentException("limit must be at least 1, was " + limit);
      }
    }
  }


  /**
   * One accepted message.
   *
   * @param sender the reverse path, "" for the null path
   * @param principal the account it was submitted under, empty without AUTH
   * @param tags what the sending application tagged it with over the API, in order
   * @param metadata what the sending application attached over the API, in order
   */
  /** A content filter's verdict: rspamd's action ({@code unavailable} when none came) and its score. */
  record ContentCheck(String action, double score, double requiredScore) {}

  record MessageView(
      String id,
      Instant receivedAt,
      String sender,
      String listener,
      Optional<String> principal,
      Optional<String> messageId,
      Optional<String> subject,
      Optional<String> from,
      List<RecipientView> recipients,
      List<String> tags,
      Map<String, String> metadata,
      Optional<ContentCheck> contentCheck) {

    /** Without a content filter's verdict (a message that was not scanned). */
    public MessageView(String id, Instant receivedAt, String sender, String listener, Optional<String> principal,
        Optional<String> messageId, Optional<String> subject, Optional<String> from, List<RecipientView> recipients,
        List<String> tags, Map<String, String> metadata) {
      this(id, receivedAt, sender, listener, principal, messageId, subject, from, recipients, tags, metadata, Optional.empty());
    }

    public MessageView {
      Objects.requireNonNull(contentCheck, "contentCheck");
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(receivedAt, "receivedAt");
      Objects.requireNonNull(sender, "sender");
      Objects.requireNonNull(listener, "listener");
      Objects.requireNonNull(principal, "principal");
      Objects.requireNonNull(messageId, "messageId");
      Objects.requireNonNull(subject, "subject");
      Objects.requireNonNull(from, "from");
      recipients = List.copyOf(recipients);
      tags = List.copyOf(tags);
      // Map.copyOf would lose the order the application gave.
      metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }
  }

  /**
   * One recipient: its latest outcome and when that attempt ended (both empty before the first
   * attempt), and every attempt, oldest first (none in a search's results).
   */
  record RecipientView(
      String recipient, Optional<String> latestOutcome, Optional<Instant> latestAttemptAt, List<AttemptView> attempts) {

    public RecipientView {
      Objects.requireNonNull(recipient, "recipient");
      Objects.requireNonNull(latestOutcome, "latestOutcome");
      Objects.requireNonNull(latestAttemptAt, "latestAttemptAt");
      attempts = List.copyOf(attempts);
    }
  }

  /**
   * One delivery attempt.
   *
   * @param outcome the outcome's keyword ({@code delivered}, {@code deferred}, ...)
   * @param status the enhanced status code (RFC 3463)
   * @param tls the protocol, empty when the attempt did not use TLS
   * @param source where it was learned: {@code smtp} (our own attempt), {@code dsn} (a delivery
   *     status notification that came back), {@code arf} (a feedback report)
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
      Optional<Instant> nextAttemptAt,
      String source) {

    public AttemptView {
      Objects.requireNonNull(source, "source");
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
