package dev.hikyaku.session;

import dev.hikyaku.events.Event;
import dev.hikyaku.events.Event.ProtocolViolation.Violation;
import dev.hikyaku.events.Events;
import dev.hikyaku.intake.IntakeException;
import dev.hikyaku.intake.IntakeResult;
import dev.hikyaku.intake.MessageIntake;
import dev.hikyaku.policy.AcceptedCheck;
import dev.hikyaku.policy.PolicyChain;
import dev.hikyaku.protocol.Command;
import dev.hikyaku.protocol.DataReader;
import dev.hikyaku.protocol.Replies;
import dev.hikyaku.protocol.Reply;
import java.io.IOException;
import java.time.Clock;

/**
 * Receiving the message of a transaction: DATA (RFC 5321 §4.1.1.4) or BDAT chunks (RFC 3030), read
 * through the session's {@link ClientInput} and handed to intake, or refused (as Stalwart's
 * {@code inbound/data.rs}). The session hands it the command and acts on its {@link Ending}; what it
 * needs of the session is {@link Session}, and replies go out through the session's
 * {@link AuthDialogue.Client}.
 */
final class MessageReceipt {

  /** What the receipt needs of the session: its transaction, and a way to report a violation. */
  interface Session {

    /** The transaction the message belongs to (the verb's guard has made sure there is one). */
    Transaction transaction();

    /** Ends the transaction: its message was taken or refused. */
    void endTransaction();

    void violation(Violation kind, String detail);
  }

  /** How receiving (a chunk of) the message ended, for the session to act on. */
  sealed interface Ending {
    /** Answer with this reply, which counts against the error budget like any other. */
    record Answer(Reply reply) implements Ending {}

    /** This reply has been sent already; count it against the error budget. */
    record Answered(Reply reply) implements Ending {}
  }

  private final PeerFacts facts;
  private final SessionSettings settings;
  private final PolicyChain policy;
  private final MessageIntake intake;
  private final Events events;
  private final Clock clock;
  private final AuthDialogue.Client client;
  private final ClientInput input;
  private final Session session;

  MessageReceipt(
      PeerFacts facts,
      SessionSettings settings,
      SessionServices services,
      AuthDialogue.Client client,
      ClientInput input,
      Session session) {
    this.facts = facts;
    this.settings = settings;
    this.policy = services.policy();
    this.intake = services.intake();
    this.events = services.events();
    this.clock = services.clock();
    this.client = client;
    this.input = input;
    this.session = session;
  }

  Ending data() throws IOException {
    Transaction transaction = session.transaction();
    if (transaction.isChunking()) {
      return new Ending.Answer(Replies.mixedDataAndBdat());
    }
    client.send(Replies.startMailInput());
    client.flush();
    // RFC 1870: with a declared SIZE the reader keeps the message in one array of that size once a
    // quarter has come, so a message of that size reaches intake without a copy (issue 15 point 3).
    DataReader reader = DataReader.forData(settings.maxMessageSize(), transaction.params.size().orElse(0));
    input.readData(reader, DataDeadline.start(settings));
    return finishMessage(reader);
  }

  Ending bdat(Command.Bdat bdat) throws IOException {
    Transaction transaction = session.transaction();
    DataReader reader = transaction.chunks(settings);
    DataDeadline deadline = transaction.chunksDeadline();
    if (reader.size() + bdat.size() > settings.maxMessageSize()) {
      // RFC 1870 §6.3 / RFC 3030 §2: the size is known before the chunk is: refuse now, not after
      // reading it, and end the transaction. The chunk still follows; it is read and dropped.
      session.endTransaction();
      Reply tooBig = Replies.messageTooBig();
      client.send(tooBig);
      client.flush();
      input.skip(bdat.size(), deadline);
      return new Ending.Answered(tooBig);
    }
    input.readChunk(reader, bdat.size(), deadline);
    if (!bdat.isLast()) {
      return new Ending.Answer(Replies.chunkReceived(bdat.size()));
    }
    reader.finishChunks();
    return finishMessage(reader);
  }

  private Ending finishMessage(DataReader reader) {
    Transaction finished = session.transaction();
    session.endTransaction();
    DataReader.Problem problem = reader.problem();
    if (problem != DataReader.Problem.NONE) {
      if (problem == DataReader.Problem.BARE_LINE_ENDING) {
        session.violation(Violation.BARE_CR_LF, "bare CR or LF in message data (SMTP smuggling defence)");
      }
      Reply reply = problem.reply();
      String reason = switch (problem) {
        case HEADER_FIELD_TOO_LONG -> problem.name() + ": " + reader.header().overlongField().orElse("");
        case TOO_MANY_HOPS -> problem.name() + ": " + reader.header().receivedFields() + " Received fields";
        default -> problem.name();
      };
      return refuseMessage(reply, reason);
    }
    if (facts.role.requiresAuthentication() && !reader.header().isUtf8()) {
      // RFC 6532 §3.2 on submission (RFC 6409 §8: the MSA may refuse what its sender can fix). Port
      // 25 takes such headers as they are, as other MTAs do: refusing would lose legacy mail.
      return refuseMessage(Replies.headerNotUtf8(), "header not UTF-8");
    }
    try {
      return switch (intake.accept(facts.asSource(), finished.envelope(), reader.content())) {
        case IntakeResult.Queued queued -> {
          policy.onAccepted(new AcceptedCheck(facts.client.getAddress(), facts.principal(), finished.envelope()));
          yield new Ending.Answer(Replies.queued(queued.id().toString()));
        }
        case IntakeResult.Refused refused -> refuseMessage(refused.reply(), refused.reason());
      };
    } catch (IntakeException e) {
      return refuseMessage(e.isStorageFull() ? Replies.insufficientStorage() : Replies.localError(), e.getMessage());
    }
  }

  private Ending refuseMessage(Reply reply, String reason) {
    events.publish(
        new Event.MessageRejected(
            clock.instant(), facts.sessionId, facts.client.getAddress().getHostAddress(), reply.toString(), reason));
    return new Ending.Answer(reply);
  }
}
