package dev.hikyaku.api;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The queue as the server's operators see it over the API (the CLI's {@code hikyaku queue}): every
 * account's messages waiting, one message's envelope and recipients with their last replies, and
 * the changes an operator makes. The app backs it with {@code store.QueueAdmin}; every change is
 * recorded for the audit log as the CLI's is, naming who made it.
 */
public interface QueueControl {

  /** No queue: nothing waits, nothing can be changed. */
  QueueControl NONE = new QueueControl() {
    @Override
    public List<Entry> list(Filter filter, int limit) {
      return List.of();
    }

    @Override
    public Optional<Detail> find(String id) {
      return Optional.empty();
    }

    @Override
    public Outcome apply(String id, Action action, String by) {
      return new Outcome.NotFound();
    }

    @Override
    public long flush(Optional<String> domain, String by) {
      return 0;
    }
  };

  /**
   * Up to {@code limit} messages matching {@code filter}, oldest first.
   *
   * @throws Unavailable if the store cannot answer now
   */
  List<Entry> list(Filter filter, int limit) throws Unavailable;

  /** Message {@code id} with its recipients, if the queue holds it. */
  Optional<Detail> find(String id) throws Unavailable;

  /** Does {@code action} to message {@code id}; {@code by} names who, for the audit log. */
  Outcome apply(String id, Action action, String by) throws Unavailable;

  /**
   * Asks for every deferred recipient, or those at {@code domain}, to be retried now (the scheduler
   * applies it in batches); returns how many will be.
   */
  long flush(Optional<String> domain, String by) throws Unavailable;

  /** What an operator does to one message, as the CLI's {@code queue} subcommands. */
  enum Action {
    /** Kept from delivery until released. */
    HOLD,
    /** Delivered again at its next attempt. */
    RELEASE,
    /** Its open recipients fail with a DSN to the sender at the next pass. */
    BOUNCE,
    /** Removed without delivery and without a DSN. */
    DELETE,
    /** Its deferred recipients retried now. */
    RETRY
  }

  /** The messages to list: each present part must match; a state as stored ({@code held}). */
  record Filter(Optional<String> state, Optional<String> sender, Optional<String> recipient) {
    public Filter {
      Objects.requireNonNull(state, "state");
      Objects.requireNonNull(sender, "sender");
      Objects.requireNonNull(recipient, "recipient");
    }
  }

  /**
   * One message in the queue.
   *
   * @param holdReason why a held message is held, when a content filter held it
   */
  record Entry(String id, Instant receivedAt, String reversePath, int recipients, long size, String state,
      Optional<String> holdReason) {}

  /** One recipient of a queued message, with its last reply and schedule. */
  record Recipient(String forwardPath, String state, int attempts, Optional<String> lastReply,
      Optional<Instant> lastAttemptAt, Optional<Instant> nextAttemptAt) {}

  /** One message with where it came from and its recipients. */
  record Detail(Entry entry, String listener, String client, String helo, Optional<String> tls,
      Optional<String> principal, Optional<String> apiKey, List<Recipient> recipients) {
    public Detail {
      recipients = List.copyOf(recipients);
    }
  }

  /** What became of an action. */
  sealed interface Outcome {
    record Done(String detail) implements Outcome {}

    record NotFound() implements Outcome {}

    /** The message is in a state the action does not apply to (releasing one not held). */
    record Conflict(String detail) implements Outcome {}
  }
}
