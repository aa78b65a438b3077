package dev.hikyaku.session;

import dev.hikyaku.auth.AuthThrottle;
import dev.hikyaku.auth.sasl.Mechanism;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.Event.ProtocolViolation.Violation;
import dev.hikyaku.events.Events;
import dev.hikyaku.net.Transport;
import dev.hikyaku.protocol.Command;
import dev.hikyaku.protocol.CommandLine;
import dev.hikyaku.protocol.CommandParser;
import dev.hikyaku.protocol.Extension;
import dev.hikyaku.protocol.Extensions;
import dev.hikyaku.protocol.Parse;
import dev.hikyaku.protocol.Replies;
import dev.hikyaku.protocol.Reply;
import dev.hikyaku.protocol.Verb;
import dev.hikyaku.store.Block;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One SMTP conversation (RFC 5321), straight-line on its own virtual thread: read a line, parse it,
 * check the verb's rules once, handle it, reply. Replies are flushed when the client's pipelined
 * group has been read (RFC 2920) and after every verb that ends a group.
 */
public final class SmtpSession {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SmtpSession.class);

  /** How the loop goes on after a command. */
  private enum Next {
    CONTINUE,
    CLOSE
  }

  private final Transport transport;
  private final SessionSettings settings;
  private final AuthThrottle throttle;
  private final Events events;
  private final Clock clock;
  private final Sessions sessions;
  private final PeerFacts facts;
  private final ClientInput input;
  private final AuthDialogue.Client client;
  private final AuthDialogue auth;
  private final EnvelopeReceipt envelope;
  private final MessageReceipt receipt;
  private final StartTls startTls;
  private final DrainLatch drainLatch;
  private Set<Extension> announced;
  private Transaction transaction;
  private String closeReason = "io";

  public SmtpSession(String sessionId, Transport transport, SessionSettings settings, SessionServices services) {
    this.transport = transport;
    this.settings = settings;
    this.throttle = services.throttle();
    this.events = services.events();
    this.clock = services.clock();
    this.sessions = services.sessions();
    this.facts =
        new PeerFacts(sessionId, settings.listener(), settings.role(), transport.remoteAddress(), clock.instant());
    this.input = new ClientInput(transport, transport::flush);
    this.client = new TransportClient(transport, input, settings.commandTimeout());
    this.auth = new AuthDialogue(facts, settings, services, client);
    this.envelope = new EnvelopeReceipt(facts, settings, services, client);
    this.receipt = new MessageReceipt(facts, settings, services, client, input, new MessageReceipt.Session() {
      @Override
      public Transaction transaction() {
        return transaction;
      }

      @Override
      public void endTransaction() {
        transaction = null;
      }

      @Override
      public void violation(Violation kind, String detail) {
        SmtpSession.this.violation(kind, detail);
      }
    });
    this.startTls = new StartTls(facts, settings, services, transport, input, client);
    this.drainLatch = new DrainLatch(transport);
    settings.assumedPrincipal().ifPresent(facts::authenticated);
    this.announced = offeredExtensions();
  }

  /** Runs the conversation to its end and closes the transport. */
  public void run() {
    sessions.add(this);
    events.publish(
        new Event.ConnectionOpened(
            clock.instant(), facts.sessionId, facts.listener, facts.client.getAddress().getHostAddress()));
    try {
      converse();
    } catch (SocketTimeoutException e) {
      // RFC 5321 §4.5.3.2: the server may close after its timeout, saying so with 421.
      closeReason = "timeout";
      sendQuietly(Replies.timeout(settings.hostname()));
    } catch (IOException e) {
      // The client closed (EOFException) or the connection broke; under shutdown, we stopped the read.
      boolean isShutdown = drainLatch.isDraining();
      closeReason = isShutdown ? "shutdown" : e instanceof EOFException ? "client closed" : "io: " + e.getMessage();
      if (isShutdown) {
        sendQuietly(Replies.shuttingDown(settings.hostname()));
      }
    } catch (RuntimeException | StackOverflowError bug) {
      // A bug must not look like a network drop: the client hears 421 (and retries what it has no
      // 250 for), the log gets the trace, the close event says so. A StackOverflowError is a bug of
      // the same kind (a recursion on hostile nesting), and the stack has unwound by here; other
      // Errors (out of memory) are not the session's to answer.
      log.error("session {} ended by a bug", facts.sessionId, bug);
      closeReason = "bug: " + bug;
      sendQuietly(Replies.internalError(settings.hostname()));
    } finally {
      try {
        // Whatever was said last (a refusal, 421, 221) must reach the client before the close.
        transport.flush();
      } catch (IOException ignored) {
        // The client is gone; nothing to deliver.
      }
      abort();
      sessions.remove(this);
      events.publish(
          new Event.ConnectionClosed(
              clock.instant(),
              facts.sessionId,
              closeReason,
              Duration.between(facts.connectedAt, clock.instant()).toMillis()));
    }
  }

  private void converse() throws IOException {
    // A blocked address is told so before anything else costs us CPU; on implicit TLS it can only
    // be told inside TLS, so there the handshake comes first.
    Optional<Block> block = throttle.blockOf(facts.client.getAddress());
    if (settings.role().isImplicitTls() && secured(startTls.handshake()) == Next.CLOSE) {
      return;
    }
    if (block.isPresent()) {
      send(Replies.sourceBlocked(settings.hostname(), block.get().until().toString()));
      closeReason = "blocked: " + block.get().reason();
      return;
    }
    if (!settings.greetingDelay().isZero() && input.sendsWithin(settings.greetingDelay())) {
      violation(Violation.EARLY_TALKER, "spoke before the greeting");
      send(Replies.earlyTalker(settings.hostname()));
      closeReason = "early talker";
      return;
    }
    send(Replies.greeting(settings.hostname()));
    transport.flush();
    while (true) {
      if (!drainLatch.awaitCommand()) {
        send(Replies.shuttingDown(settings.hostname()));
        closeReason = "shutdown";
        return;
      }
      ClientInput.Line line;
      try {
        // RFC 4954 §4 lets AUTH lines (with an initial response) reach 12288 octets; every other
        // command stays within its verb's limit (Verb.maxLineOctets), checked once the verb is
        // known. The command timeout is for the whole line, however it is dribbled.
        line = input.readLine(Verb.AUTH_LINE_OCTETS, settings.commandTimeout());
      } finally {
        drainLatch.commandArrived();
      }
      Next next =
          switch (line) {
            case ClientInput.Line.TooLong tooLong -> answer(Replies.lineTooLong());
            case ClientInput.Line.Text text ->
                CommandLine.isTooLong(text.octets())
                    ? answer(Replies.lineTooLong())
                    : command(text.octets());
          };
      if (next == Next.CLOSE) {
        transport.flush();
        return;
      }
    }
  }

  private Next command(byte[] octets) throws IOException {
    Optional<String> line = CommandLine.decode(octets);
    if (line.isEmpty()) {
      return answer(Replies.badCommandSyntax());
    }
    Parse parse = CommandParser.parse(line.get(), announced);
    Verb verb = parse.verb();
    if (verb == Verb.BDAT && parse instanceof Parse.Invalid invalid) {
      // RFC 3030 §2: a chunk follows every BDAT. Without a size we can read, its end cannot be
      // found, and the chunk would be read as commands: say why and close.
      send(invalid.reply());
      closeReason = "unreadable BDAT";
      return Next.CLOSE;
    }
    Optional<Reply> refusal = guard(verb);
    if (refusal.isPresent()) {
      if (parse instanceof Parse.Valid(Command.Bdat bdat)) {
        // RFC 3030 §2: the chunk follows the command whatever the reply; read past it to stay in step.
        input.skip(bdat.size(), DataDeadline.start(settings));
      }
      return answer(refusal.get());
    }
    Next next =
        switch (parse) {
          case Parse.Invalid invalid -> answer(invalid.reply());
          case Parse.Valid valid -> handle(valid.command());
        };
    if (verb.endsPipelineGroup()) {
      transport.flush();
    }
    return next;
  }

  /**
   * The verb's protocol rules, checked once before any handler (the flags live on {@link Verb}).
   */
  private Optional<Reply> guard(Verb verb) {
    if (verb == Verb.UNKNOWN) {
      return Optional.of(Replies.commandUnrecognized());
    }
    // RFC 8314 §3.3 / RFC 3207 §4: a submission client says nothing of substance before TLS.
    if (settings.role().requiresTls() && !facts.hasTls() && !verb.isAllowedBeforeTls()) {
      return Optional.of(Replies.mustStartTlsFirst());
    }
    if (verb.isRefusedUnderTls() && facts.hasTls()) {
      return Optional.of(Replies.tlsAlreadyActive());
    }
    Optional<Extension> needed = verb.extension();
    if (needed.isPresent() && !announced.contains(needed.get())) {
      return Optional.of(Replies.commandNotImplemented());
    }
    switch (verb.precondition()) {
      case NONE -> {}
      case GREETED -> {
        if (!facts.hasGreeted()) {
          return Optional.of(Replies.needHelo());
        }
      }
      case MAIL -> {
        if (transaction == null) {
          return Optional.of(facts.hasGreeted() ? Replies.needMail() : Replies.needHelo());
        }
      }
      case RECIPIENTS -> {
        if (transaction == null || !transaction.hasRecipients()) {
          return Optional.of(Replies.needRecipients());
        }
      }
    }
    if (!verb.isAllowedInTransaction() && transaction != null) {
      return Optional.of(verb == Verb.MAIL ? Replies.nestedMail() : Replies.notInTransaction());
    }
    // RFC 6409 §4.1: submission accepts mail only from an authenticated principal.
    if (verb.needsPrincipal() && settings.role().requiresAuthentication() && facts.principal().isEmpty()) {
      return Optional.of(Replies.authenticationRequired());
    }
    return Optional.empty();
  }

  private Next handle(Command command) throws IOException {
    return switch (command) {
      case Command.Ehlo ehlo -> greet(ehlo.domain(), true);
      case Command.Helo helo -> greet(helo.domain(), false);
      case Command.Mail mail -> enveloped(envelope.mail(mail));
      case Command.Rcpt rcpt -> enveloped(envelope.rcpt(rcpt, transaction));
      case Command.Data data -> received(receipt.data());
      case Command.Bdat bdat -> received(receipt.bdat(bdat));
      case Command.Rset rset -> {
        transaction = null;
        yield answer(Replies.ok());
      }
      case Command.Noop noop -> answer(Replies.ok());
      case Command.Quit quit -> {
        send(Replies.bye());
        closeReason = "quit";
        yield Next.CLOSE;
      }
      // RFC 5321 §3.5.3: 252 tells nothing about whether the user exists.
      case Command.Vrfy vrfy -> answer(Replies.cannotVerify());
      // RFC 5321 §3.5.2 allows EXPN to be disabled; lists are not for strangers to read.
      case Command.Expn expn -> answer(Replies.commandNotImplemented());
      case Command.Help help -> answer(Replies.help());
      case Command.StartTls starttls -> secured(startTls.run());
      case Command.Auth auth -> authenticate(auth);
      case Command.Unknown unknown -> answer(Replies.commandUnrecognized());
    };
  }

  private Next greet(String name, boolean isEsmtp) throws IOException {
    // RFC 5321 §4.1.4: EHLO/HELO in the middle of things resets the transaction.
    transaction = null;
    facts.greeted(name, isEsmtp);
    if (!isEsmtp) {
      announced = Extension.none();
      return answer(Replies.helo(settings.hostname()));
    }
    announced = offeredExtensions();
    List<String> keywords =
        Extensions.ehloKeywords(
            announced, settings.maxMessageSize(), auth.availableMechanisms().stream().map(Mechanism::saslName).toList());
    return answer(Replies.ehlo(settings.hostname(), name, keywords));
  }

  private Set<Extension> offeredExtensions() {
    Set<Extension> offered = EnumSet.allOf(Extension.class);
    // RFC 3207 §4.2: STARTTLS is not announced once TLS is active; RFC 8689 §4.1: REQUIRETLS only then.
    if (facts.hasTls()) {
      offered.remove(Extension.STARTTLS);
    } else {
      offered.remove(Extension.REQUIRETLS);
    }
    // RFC 4954 §3 / RFC 8314: AUTH is announced only where a mechanism may run now.
    if (auth.availableMechanisms().isEmpty()) {
      offered.remove(Extension.AUTH);
    }
    return offered;
  }

  /** RFC 5321 §3.3: the envelope is {@link EnvelopeReceipt}'s; its ending is answered here. */
  private Next enveloped(EnvelopeReceipt.Ending ending) throws IOException {
    return switch (ending) {
      case EnvelopeReceipt.Ending.Answer answer -> answer(answer.reply());
      case EnvelopeReceipt.Ending.Begin begin -> {
        transaction = begin.transaction();
        yield answer(begin.reply());
      }
      case EnvelopeReceipt.Ending.Disconnect disconnect -> {
        answer(disconnect.reply());
        closeReason = disconnect.reason();
        yield Next.CLOSE;
      }
      case EnvelopeReceipt.Ending.OverLimit overLimit -> Next.CONTINUE;
      case EnvelopeReceipt.Ending.Close close -> {
        closeReason = close.reason();
        yield Next.CLOSE;
      }
    };
  }

  /** RFC 5321 §4.1.1.4 / RFC 3030: the message is {@link MessageReceipt}'s; its ending is answered here. */
  private Next received(MessageReceipt.Ending ending) throws IOException {
    return switch (ending) {
      case MessageReceipt.Ending.Answer answer -> answer(answer.reply());
      case MessageReceipt.Ending.Answered answered -> afterReply(answered.reply());
    };
  }

  /** RFC 4954 §4: the exchange is {@link AuthDialogue}'s; its ending is answered here. */
  private Next authenticate(Command.Auth command) throws IOException {
    return switch (auth.run(command)) {
      case AuthDialogue.Ending.Answer ending -> answer(ending.reply());
      case AuthDialogue.Ending.Close close -> {
        closeReason = close.reason();
        yield Next.CLOSE;
      }
    };
  }

  /**
   * RFC 3207: the negotiation is {@link StartTls}'s, and {@link PeerFacts} forget there what came
   * before TLS; the session forgets its own here (§4.2): the transaction, what EHLO announced.
   */
  private Next secured(StartTls.Ending ending) {
    return switch (ending) {
      case StartTls.Ending.Secured secured -> {
        transaction = null;
        announced = offeredExtensions();
        yield Next.CONTINUE;
      }
      case StartTls.Ending.Close close -> {
        closeReason = close.reason();
        yield Next.CLOSE;
      }
    };
  }

  /** Sends a reply to a command and counts it against the error budget. */
  private Next answer(Reply reply) throws IOException {
    send(reply);
    return afterReply(reply);
  }

  /** Counts a reply that was an error against the session's budget (sent already). */
  private Next afterReply(Reply reply) throws IOException {
    if (reply.isError() && facts.countError() >= settings.maxErrors()) {
      send(Replies.tooManyErrors(settings.hostname()));
      violation(Violation.TOO_MANY_ERRORS, "too many errors");
      closeReason = "too many errors";
      return Next.CLOSE;
    }
    return Next.CONTINUE;
  }

  private void send(Reply reply) throws IOException {
    client.send(reply);
  }

  private void sendQuietly(Reply reply) {
    try {
      send(reply);
      transport.flush();
    } catch (IOException ignored) {
      // The client is gone; nothing more to tell it.
    }
  }

  private void violation(Violation kind, String detail) {
    events.publish(facts.violation(clock.instant(), kind, detail));
  }

  // ---- Graceful shutdown ---------------------------------------------------------------------

  /**
   * Asks the session to end: at once if it is waiting for a command (its read ends and it answers 421
   * 4.3.2), or after the command or message in progress.
   */
  void drain() {
    try {
      drainLatch.drain();
    } catch (IOException e) {
      abort();
    }
  }

  /** Cuts the connection without a word: the grace period is over. */
  void abort() {
    try {
      transport.close();
    } catch (IOException ignored) {
      // Already closed.
    }
  }

}
