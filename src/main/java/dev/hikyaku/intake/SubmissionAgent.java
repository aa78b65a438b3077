package dev.hikyaku.intake;

import dev.hikyaku.auth.Principal;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.policy.AcceptedCheck;
import dev.hikyaku.policy.PolicyChain;
import dev.hikyaku.policy.RecipientCheck;
import dev.hikyaku.policy.SenderCheck;
import dev.hikyaku.policy.SuppressionRule;
import dev.hikyaku.policy.SuspensionRule;
import dev.hikyaku.policy.Verdict;
import dev.hikyaku.protocol.DataReader;
import dev.hikyaku.protocol.Envelope;
import dev.hikyaku.protocol.ForwardPath;
import dev.hikyaku.protocol.Replies;
import dev.hikyaku.protocol.Reply;
import dev.hikyaku.store.Annotations;
import dev.hikyaku.store.IdempotencyRecord;
import dev.hikyaku.store.QueueId;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The message submission agent (RFC 6409) for a whole message at once: for the HTTP API, what an
 * SMTP session does across MAIL, RCPT and DATA. The same policy chain judges the sender and each
 * recipient, as on a submission listener with implicit TLS ({@link ListenerRole#SUBMISSIONS}, as
 * HTTPS is); the same data checks as BDAT look at the content; {@link MessageIntake} queues it with
 * the submission fix-ups and DKIM; the policy hears of the accepted message. Every step a session
 * refuses at is a refusal here too, with the same reply, and publishes the same event.
 *
 * <p>The content is checked first, then the sender and recipients (the session cannot, since DATA
 * comes last): a message refused for its content costs no rate.
 */
public final class SubmissionAgent {

  /** Events of API submissions name this as their session (there is no SMTP session). */
  static final String SESSION = "api";

  private final PolicyChain policy;
  private final MessageIntake intake;
  private final Events events;
  private final Clock clock;
  private final long maxMessageSize;

  /**
   * @param maxMessageSize {@code limits.max-message-size}: SMTP's SIZE, the one limit whichever door
   *     a message comes in by
   */
  public SubmissionAgent(PolicyChain policy, MessageIntake intake, Events events, Clock clock, long maxMessageSize) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.intake = Objects.requireNonNull(intake, "intake");
    this.events = Objects.requireNonNull(events, "events");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.maxMessageSize = maxMessageSize;
  }

  /**
   * One message with its envelope, as the API read it.
   *
   * @param content the whole message, CRLF line ends (the API built it, or normalised what it got)
   * @param tags kept with the message in the history
   * @param metadata kept with the message in the history, in the order given
   * @param idempotency what to record with the message for a repeated request; empty without an
   *     Idempotency-Key
   */
  public record Submission(
      MessageSource.Api source,
      Envelope envelope,
      byte[] content,
      List<String> tags,
      Map<String, String> metadata,
      Optional<Idempotency> idempotency) {

    public Submission {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(envelope, "envelope");
      Objects.requireNonNull(content, "content");
      tags = List.copyOf(tags);
      Objects.requireNonNull(metadata, "metadata");
      Objects.requireNonNull(idempotency, "idempotency");
    }
  }

  /**
   * The idempotency record to commit with the message (draft-ietf-httpapi-idempotency-key-header-07).
   *
   * @param scope the key's name, the request path and the Idempotency-Key, as the API forms it
   * @param fingerprint SHA-256 of the request body, lower-case hex
   * @param status the HTTP status the API answers when the message is queued
   * @param response the body the API answers, made from the outcome once the queue id and the final
   *     Message-ID are known (before the commit, so the record and the message commit together)
   */
  public record Idempotency(String scope, String fingerprint, int status, Function<Outcome.Queued, String> response) {
    public Idempotency {
      Objects.requireNonNull(scope, "scope");
      Objects.requireNonNull(fingerprint, "fingerprint");
      Objects.requireNonNull(response, "response");
    }
  }

  /** What became of one recipient. */
  public enum Disposition {
    QUEUED,
    /** On the suppression list ({@link SuppressionRule}): refused, with the reply saying since when and why. */
    SUPPRESSED,
    /** Refused for good (5xx). */
    REJECTED,
    /** Refused for now by a rate (RFC 3463 X.7.1, or X.5.3 for recipients): the client may retry later. */
    RATE_LIMITED,
    /** Refused for now for another reason (the policy could not decide). */
    DEFERRED
  }

  /**
   * One recipient of the envelope and what became of it.
   *
   * @param reply the refusal, for every disposition but {@link Disposition#QUEUED}
   */
  public record RecipientResult(ForwardPath recipient, Disposition disposition, Optional<Reply> reply) {
    public RecipientResult {
      Objects.requireNonNull(recipient, "recipient");
      Objects.requireNonNull(disposition, "disposition");
      Objects.requireNonNull(reply, "reply");
    }

    public boolean isQueued() {
      return disposition == Disposition.QUEUED;
    }
  }

  /** Why the policy refused the sender, coarse enough for the API to choose its status. */
  public enum SenderCause {
    /** Not an address the account (or the API key) may send as, or otherwise refused for good. */
    NOT_ALLOWED,
    /** The account is suspended from sending ({@link SuspensionRule}). */
    SUSPENDED,
    /** A rate or quota is used up for now (RFC 3463 X.7.1). */
    RATE_LIMITED,
    /** The policy could not decide now (the sender registry did not answer). */
    UNAVAILABLE
  }

  /** What became of a submission; expected refusals are values, as {@link Verdict}s are. */
  public sealed interface Outcome {

    /** The policy refused the sender; nothing was queued. */
    record SenderRefused(SenderCause cause, Reply reply, String reason) implements Outcome {}

    /** The policy refused every recipient; nothing was queued. One result per distinct recipient. */
    record RecipientsRefused(List<RecipientResult> recipients) implements Outcome {
      public RecipientsRefused {
        recipients = List.copyOf(recipients);
      }
    }

    /**
     * The content was refused: too large, a data check of BDAT (bare CR or LF, NUL, a line over
     * 998 octets, a header field over its limit, a loop), a header that is not UTF-8, or a
     * submission rule of intake (From: ownership, no From:). Nothing was queued.
     */
    record ContentRefused(Reply reply, String reason) implements Outcome {}

    /** Could not be made durable now (the client retries); nothing was queued. */
    record NotQueued(boolean isStorageFull, String reason) implements Outcome {}

    /**
     * Durable in the queue.
     *
     * @param messageId the Message-ID field it was queued with (after the fix-ups)
     * @param recipients one result per distinct recipient, in envelope order: at least one queued
     */
    record Queued(QueueId id, Optional<String> messageId, List<RecipientResult> recipients) implements Outcome {
      public Queued {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(messageId, "messageId");
        recipients = List.copyOf(recipients);
      }
    }
  }

  /** Judges and, unless refused, queues {@code submission}. Never throws for what the client sent. */
  public Outcome submit(Submission submission) {
    MessageSource.Api source = submission.source();
    Principal principal = source.principal();
    String client = source.client().getHostAddress();
    byte[] content = submission.content();
    Optional<Outcome> refused = checkContent(content, client);
    if (refused.isPresent()) {
      return refused.get();
    }
    // RFC 1870 §6.1, as at MAIL: no room now for a message of this size.
    if (!intake.hasRoomFor(content.length)) {
      return notQueued(new IntakeException("the queue's file system is below its free-space headroom", true, null), client);
    }
    Envelope envelope = submission.envelope();
    PolicyChain.Ruling sender = policy.onSender(
        new SenderCheck(ListenerRole.SUBMISSIONS, source.client(), Optional.of(principal), envelope.from()));
    Optional<Refusal> senderRefusal = Refusal.of(sender.verdict());
    if (senderRefusal.isPresent()) {
      Refusal refusal = senderRefusal.get();
      events.publish(new Event.SenderRejected(
          clock.instant(), SESSION, client, envelope.from().address(), refusal.reply().toString(), sender.rule(), refusal.reason()));
      return new Outcome.SenderRefused(senderCause(sender.rule(), refusal), refusal.reply(), refusal.reason());
    }
    List<RecipientResult> results = new ArrayList<>();
    List<Envelope.Recipient> accepted = new ArrayList<>();
    for (Envelope.Recipient recipient : distinct(envelope.recipients())) {
      PolicyChain.Ruling ruling = policy.onRecipient(new RecipientCheck(
          ListenerRole.SUBMISSIONS, source.client(), Optional.of(principal), envelope.from(), recipient.to()));
      Optional<Refusal> refusal = Refusal.of(ruling.verdict());
      if (refusal.isEmpty()) {
        accepted.add(recipient);
        results.add(new RecipientResult(recipient.to(), Disposition.QUEUED, Optional.empty()));
        continue;
      }
      events.publish(new Event.RecipientRejected(
          clock.instant(), SESSION, client, recipient.to().address(), refusal.get().reply().toString(), ruling.rule(),
          refusal.get().reason()));
      results.add(new RecipientResult(recipient.to(), disposition(ruling.rule(), refusal.get()), Optional.of(refusal.get().reply())));
    }
    if (accepted.isEmpty()) {
      publishSuppressed(submission, results, Optional.empty());
      return new Outcome.RecipientsRefused(results);
    }
    Envelope queued = new Envelope(envelope.from(), envelope.params(), accepted);
    Optional<MessageIntake.Receipt> receipt = submission.idempotency().map(idempotency -> (done, at) ->
        new IdempotencyRecord(
            idempotency.scope(), idempotency.fingerprint(), done.id(), idempotency.status(),
            idempotency.response().apply(new Outcome.Queued(done.id(), done.messageId(), results)), at));
    try {
      return switch (intake.accept(
          source, queued, content, new Annotations(submission.tags(), submission.metadata()), receipt)) {
        case IntakeResult.Queued done -> {
          policy.onAccepted(new AcceptedCheck(source.client(), Optional.of(principal), queued));
          publishSuppressed(submission, results, Optional.of(done.id()));
          yield new Outcome.Queued(done.id(), done.messageId(), results);
        }
        case IntakeResult.Refused refusal -> {
          events.publish(new Event.MessageRejected(clock.instant(), SESSION, client, refusal.reply().toString(), refusal.reason()));
          yield new Outcome.ContentRefused(refusal.reply(), refusal.reason());
        }
      };
    } catch (IntakeException e) {
      return notQueued(e, client);
    }
  }

  /**
   * Tells the account's event feed of each recipient refused for the suppression list, once it is
   * known whether the others were queued: a refused send queued nothing, and then the event is all
   * that is left of it. A send refused for anything else (its content, a rate, the store) is not a
   * suppression and tells none, whatever its recipients.
   */
  private void publishSuppressed(Submission submission, List<RecipientResult> results, Optional<QueueId> queued) {
    for (RecipientResult result : results) {
      if (result.disposition() == Disposition.SUPPRESSED) {
        events.publish(new Event.SuppressedRecipientRefused(
            clock.instant(), SESSION, submission.source().principal().account(), submission.envelope().from().address(),
            result.recipient().address(), result.reply().orElseThrow().toString(), queued.map(QueueId::value),
            submission.tags(), submission.metadata()));
      }
    }
  }

  /**
   * What a session checks once the data is in: the size (RFC 1870), the data checks of BDAT (the
   * content is one last chunk: RFC 3030 §2 has no dot-stuffing), and a UTF-8 header (RFC 6532 §3.2,
   * as on submission).
   */
  private Optional<Outcome> checkContent(byte[] content, String client) {
    Reply reply = null;
    String reason = null;
    if (content.length > maxMessageSize) {
      reply = Replies.messageTooBig();
      reason = "TOO_BIG: " + content.length + " octets";
    } else {
      DataReader reader = DataReader.forChunks(maxMessageSize);
      reader.feed(content, 0, content.length);
      reader.finishChunks();
      DataReader.Problem problem = reader.problem();
      if (problem != DataReader.Problem.NONE) {
        reply = problem.reply();
        reason = problem.name();
      } else if (!reader.header().isUtf8()) {
        reply = Replies.headerNotUtf8();
        reason = "header not UTF-8";
      }
    }
    if (reply == null) {
      return Optional.empty();
    }
    events.publish(new Event.MessageRejected(clock.instant(), SESSION, client, reply.toString(), reason));
    return Optional.of(new Outcome.ContentRefused(reply, reason));
  }

  private Outcome notQueued(IntakeException e, String client) {
    Reply reply = e.isStorageFull() ? Replies.insufficientStorage() : Replies.localError();
    events.publish(new Event.MessageRejected(clock.instant(), SESSION, client, reply.toString(), e.getMessage()));
    return new Outcome.NotQueued(e.isStorageFull(), e.getMessage());
  }

  /**
   * The recipients once each: intake queues a forward-path once (as Postfix's duplicate filter
   * does), so the policy is asked once and the answer names it once. {@link ForwardPath#address()}
   * is the canonical spelling (RFC 5321 §4.1.2), as intake compares it.
   */
  private static List<Envelope.Recipient> distinct(List<Envelope.Recipient> recipients) {
    Map<String, Envelope.Recipient> unique = new LinkedHashMap<>();
    for (Envelope.Recipient recipient : recipients) {
      unique.putIfAbsent(recipient.to().address(), recipient);
    }
    return List.copyOf(unique.values());
  }

  /** A verdict that refuses, with the reply for the client and the reason for the operator. */
  private record Refusal(Reply reply, String reason, boolean isTemporary) {

    static Optional<Refusal> of(Verdict verdict) {
      return switch (verdict) {
        case Verdict.Accept accept -> Optional.empty();
        case Verdict.Continue proceed -> Optional.empty();
        case Verdict.Reject reject -> Optional.of(new Refusal(reject.reply(), reject.reason(), false));
        case Verdict.Defer defer -> Optional.of(new Refusal(defer.reply(), defer.reason(), true));
        // There is no connection to close: the request is refused as a rejection would be.
        case Verdict.Disconnect disconnect -> Optional.of(new Refusal(disconnect.reply(), disconnect.reason(), false));
      };
    }

    /**
     * Whether a rate or quota refused: RFC 3463 X.7.1 (delivery not authorized) for now, as the
     * rate rule's replies say, or X.5.3 (too many recipients) as RFC 5321 §4.5.3.1.10 gives a
     * recipient rate.
     */
    boolean isRateLimit() {
      var status = reply.status();
      return isTemporary && status != null
          && (status.subject() == 7 && status.detail() == 1 || status.subject() == 5 && status.detail() == 3);
    }
  }

  private static SenderCause senderCause(String rule, Refusal refusal) {
    if (rule.equals(SuspensionRule.NAME)) {
      return SenderCause.SUSPENDED;
    }
    if (refusal.isTemporary()) {
      return refusal.isRateLimit() ? SenderCause.RATE_LIMITED : SenderCause.UNAVAILABLE;
    }
    return SenderCause.NOT_ALLOWED;
  }

  private static Disposition disposition(String rule, Refusal refusal) {
    if (rule.equals(SuppressionRule.NAME)) {
      return Disposition.SUPPRESSED;
    }
    if (refusal.isTemporary()) {
      return refusal.isRateLimit() ? Disposition.RATE_LIMITED : Disposition.DEFERRED;
    }
    return Disposition.REJECTED;
  }
}
