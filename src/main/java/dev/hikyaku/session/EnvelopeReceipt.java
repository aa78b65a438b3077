package dev.hikyaku.session;

import dev.hikyaku.events.Event;
import dev.hikyaku.events.Event.ProtocolViolation.Violation;
import dev.hikyaku.events.Events;
import dev.hikyaku.intake.MessageIntake;
import dev.hikyaku.policy.PolicyChain;
import dev.hikyaku.policy.RecipientCheck;
import dev.hikyaku.policy.SenderCheck;
import dev.hikyaku.policy.SuppressionRule;
import dev.hikyaku.policy.Verdict;
import dev.hikyaku.protocol.Command;
import dev.hikyaku.protocol.Envelope;
import dev.hikyaku.protocol.Replies;
import dev.hikyaku.protocol.Reply;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Receiving the envelope of a transaction (RFC 5321 §3.3): the reverse-path of MAIL and the
 * forward-paths of RCPT, each put to the {@link PolicyChain} and its {@link Verdict} turned into a
 * reply (as Stalwart's {@code inbound/mail.rs} and {@code rcpt.rs}). The session hands it the command
 * (RCPT with the transaction, which the verb's guard has made sure of) and acts on its {@link Ending};
 * replies that are not the command's answer go out through the session's {@link AuthDialogue.Client}.
 */
final class EnvelopeReceipt {

  /** RCPTs over the recipient limit in one transaction before the session is closed. */
  static final int MAX_OVERSHOOT = 1000;

  /** How a MAIL or RCPT ended, for the session to act on. */
  sealed interface Ending {
    /** Answer with this reply, which counts against the error budget like any other. */
    record Answer(Reply reply) implements Ending {}

    /** The sender is accepted: this transaction begins; answer with this reply. */
    record Begin(Transaction transaction, Reply reply) implements Ending {}

    /** A policy's {@link Verdict.Disconnect}: answer with this refusal (counted), then close for this reason. */
    record Disconnect(Reply reply, String reason) implements Ending {}

    /** A recipient over the limit has had its 452, which is not the client's error: go on. */
    record OverLimit() implements Ending {}

    /** The client kept on past the recipient limit and has been told 421: close, for this reason. */
    record Close(String reason) implements Ending {}
  }

  private final PeerFacts facts;
  private final SessionSettings settings;
  private final PolicyChain policy;
  private final MessageIntake intake;
  private final Events events;
  private final Clock clock;
  private final AuthDialogue.Client client;

  EnvelopeReceipt(PeerFacts facts, SessionSettings settings, SessionServices services, AuthDialogue.Client client) {
    this.facts = facts;
    this.settings = settings;
    this.policy = services.policy();
    this.intake = services.intake();
    this.events = services.events();
    this.clock = services.clock();
    this.client = client;
  }

  Ending mail(Command.Mail mail) {
    // RFC 1870 §6.2: a declared size over the limit is refused at once.
    if (mail.params().size().orElse(0) > settings.maxMessageSize()) {
      return new Ending.Answer(Replies.messageTooBig());
    }
    // RFC 1870 §6.1: 452 when the queue has no room now for a message (of the declared size).
    if (!intake.hasRoomFor(mail.params().size().orElse(0))) {
      return new Ending.Answer(Replies.insufficientStorage());
    }
    SenderCheck check = new SenderCheck(settings.role(), facts.client.getAddress(), facts.principal(), mail.from());
    PolicyChain.Ruling ruling = policy.onSender(check);
    return switch (ruling.verdict()) {
      case Verdict.Accept accept -> acceptSender(mail);
      case Verdict.Continue proceed -> acceptSender(mail);
      case Verdict.Reject reject -> refuseSender(mail, reject.reply(), ruling.rule(), reject.reason(), false);
      case Verdict.Defer defer -> refuseSender(mail, defer.reply(), ruling.rule(), defer.reason(), false);
      case Verdict.Disconnect disconnect ->
          refuseSender(mail, disconnect.reply(), ruling.rule(), disconnect.reason(), true);
    };
  }

  private Ending acceptSender(Command.Mail mail) {
    return new Ending.Begin(new Transaction(mail.from(), mail.params()), Replies.senderOk());
  }

  private Ending refuseSender(Command.Mail mail, Reply reply, String rule, String reason, boolean isDisconnect) {
    events.publish(
        new Event.SenderRejected(
            clock.instant(), facts.sessionId, clientAddress(), mail.from().address(), reply.toString(), rule, reason));
    return refusal(reply, reason, isDisconnect);
  }

  Ending rcpt(Command.Rcpt rcpt, Transaction transaction) throws IOException {
    // RFC 5321 §4.5.3.1.10: 452 for recipients beyond the limit; the client sends them later. That
    // is the protocol working, not a client error: it does not count against the error budget, or
    // a message to more recipients than the limit plus the budget could never go out. A client that
    // keeps on (Postfix's smtpd_recipient_overshoot_limit, 1000) is cut off.
    if (transaction.recipientCount() >= settings.maxRecipients()) {
      client.send(Replies.tooManyRecipients());
      if (transaction.overshoot() >= MAX_OVERSHOOT) {
        client.send(Replies.tooManyErrors(settings.hostname()));
        events.publish(
            facts.violation(clock.instant(), Violation.TOO_MANY_RECIPIENTS, "too many recipients over the limit"));
        return new Ending.Close("too many recipients");
      }
      return new Ending.OverLimit();
    }
    if (rcpt.to().mailbox().isInternationalized() && !transaction.params.isSmtpUtf8()) {
      return new Ending.Answer(Replies.needsSmtpUtf8());
    }
    RecipientCheck check =
        new RecipientCheck(
            settings.role(), facts.client.getAddress(), facts.principal(), transaction.from, rcpt.to());
    PolicyChain.Ruling ruling = policy.onRecipient(check);
    return switch (ruling.verdict()) {
      case Verdict.Accept accept -> acceptRecipient(rcpt, transaction);
      case Verdict.Continue proceed -> acceptRecipient(rcpt, transaction);
      case Verdict.Reject reject ->
          refuseRecipient(rcpt, transaction, reject.reply(), ruling.rule(), reject.reason(), reject.delay(), false);
      case Verdict.Defer defer ->
          refuseRecipient(rcpt, transaction, defer.reply(), ruling.rule(), defer.reason(), Duration.ZERO, false);
      case Verdict.Disconnect disconnect ->
          refuseRecipient(
              rcpt, transaction, disconnect.reply(), ruling.rule(), disconnect.reason(), Duration.ZERO, true);
    };
  }

  private Ending acceptRecipient(Command.Rcpt rcpt, Transaction transaction) {
    transaction.add(new Envelope.Recipient(rcpt.to(), rcpt.params()));
    return new Ending.Answer(Replies.recipientOk());
  }

  /** Refuses a recipient, after {@code delay} when the verdict carries a tarpit (the event goes out first). */
  private Ending refuseRecipient(
      Command.Rcpt rcpt,
      Transaction transaction,
      Reply reply,
      String rule,
      String reason,
      Duration delay,
      boolean isDisconnect)
      throws IOException {
    events.publish(
        new Event.RecipientRejected(
            clock.instant(), facts.sessionId, clientAddress(), rcpt.to().address(), reply.toString(), rule, reason));
    if (rule.equals(SuppressionRule.NAME) && facts.principal().isPresent()) {
      // The account's event feed tells it as message.suppressed; no message exists yet at RCPT.
      events.publish(new Event.SuppressedRecipientRefused(
          clock.instant(), facts.sessionId, facts.principal().get().account(), transaction.from.address(), rcpt.to().address(),
          reply.toString(), Optional.empty(), List.of(), Map.of()));
    }
    client.tarpit(delay);
    return refusal(reply, reason, isDisconnect);
  }

  /** A policy's refusal; after a {@link Verdict.Disconnect} the session ends, for its reason. */
  private static Ending refusal(Reply reply, String reason, boolean isDisconnect) {
    return isDisconnect ? new Ending.Disconnect(reply, reason) : new Ending.Answer(reply);
  }

  private String clientAddress() {
    return facts.client.getAddress().getHostAddress();
  }
}
