package dev.hikyaku.session;

import dev.hikyaku.auth.AuthOutcome;
import dev.hikyaku.auth.AuthThrottle;
import dev.hikyaku.auth.Authenticator;
import dev.hikyaku.auth.sasl.Mechanism;
import dev.hikyaku.auth.sasl.SaslMechanism;
import dev.hikyaku.auth.sasl.SaslStep;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.Event.AuthAttempt.Kind;
import dev.hikyaku.events.Event.AuthAttempt.Result;
import dev.hikyaku.events.Events;
import dev.hikyaku.net.TlsFacts;
import dev.hikyaku.protocol.AuthLine;
import dev.hikyaku.protocol.Command;
import dev.hikyaku.protocol.Replies;
import dev.hikyaku.protocol.Reply;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * RFC 4954 §4: the AUTH exchange, relayed between the client and a {@link SaslMechanism}, with the
 * throttle's admission before it and its count after it (as Postfix's {@code smtpd_sasl_proto.c}).
 * The session hands it the command and acts on its {@link Ending}; what it needs of the session is
 * {@link Client}, and of the connection {@link PeerFacts}, which it tells who authenticated.
 */
final class AuthDialogue {

  /** What the dialogue needs of the session: the client's lines, a way to reply, the channel. */
  interface Client {

    /** The client's next line, of at most {@link dev.hikyaku.protocol.Verb#AUTH_LINE_OCTETS}. */
    ClientInput.Line readLine() throws IOException;

    /** Queues a reply; it goes out on {@link #flush} or before the session next blocks. */
    void send(Reply reply) throws IOException;

    void flush() throws IOException;

    /** The RFC 9266 tls-exporter channel binding, if TLS gives one. */
    Optional<byte[]> channelBinding();

    /** Whether {@link #channelBinding()} can be had, without computing it. */
    boolean hasChannelBinding();

    /**
     * Makes the client wait {@code delay} before its next reply (nothing when zero). What was
     * answered before goes out first, so the wait holds back this reply only.
     */
    default void tarpit(Duration delay) throws IOException {
      if (delay.isZero()) {
        return;
      }
      flush();
      try {
        Thread.sleep(delay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted in the tarpit", e);
      }
    }
  }

  /** How an exchange ended, for the session to act on. */
  sealed interface Ending {
    /** Answer with this reply, which counts against the error budget like any other. */
    record Answer(Reply reply) implements Ending {}

    /** The refusal has been sent: close the connection, for this reason. */
    record Close(String reason) implements Ending {}
  }

  private final PeerFacts facts;
  private final SessionSettings settings;
  private final Authenticator authenticator;
  private final AuthThrottle throttle;
  private final Events events;
  private final Clock clock;
  private final Client client;

  AuthDialogue(PeerFacts facts, SessionSettings settings, SessionServices services, Client client) {
    this.facts = facts;
    this.settings = settings;
    this.authenticator = services.authenticator();
    this.throttle = services.throttle();
    this.events = services.events();
    this.clock = services.clock();
    this.client = client;
  }

  /** The mechanisms that may run here and now (RFC 4954 §3 / RFC 8314: some need TLS, -PLUS a binding). */
  List<Mechanism> availableMechanisms() {
    return authenticator.available(settings.authMechanisms(), facts.hasTls(), client.hasChannelBinding());
  }

  /** RFC 4954 §4: the AUTH exchange, relayed between the client and the mechanism. */
  Ending run(Command.Auth auth) throws IOException {
    if (facts.principal().isPresent()) {
      return new Ending.Answer(Replies.alreadyAuthenticated());
    }
    if (settings.authMechanisms().isEmpty()) {
      return new Ending.Answer(Replies.commandNotImplemented()); // AUTH is off on this listener
    }
    Optional<Mechanism> mechanism =
        Mechanism.bySaslName(auth.mechanism()).filter(settings.authMechanisms()::contains);
    if (mechanism.isEmpty()) {
      return new Ending.Answer(Replies.unknownMechanism());
    }
    if (!availableMechanisms().contains(mechanism.get())) {
      // Offered on this listener, but not here and now: no TLS yet, or no channel binding for -PLUS.
      return new Ending.Answer(facts.hasTls() ? Replies.unknownMechanism() : Replies.encryptionRequired());
    }
    switch (throttle.admit(facts.client.getAddress())) {
      case AuthThrottle.Admission.Allowed allowed -> {}
      case AuthThrottle.Admission.Blocked blocked -> {
        Reply reply = Replies.sourceBlocked(settings.hostname(), blocked.block().until().toString());
        client.send(reply);
        publish(mechanism.get(), "", Result.of(Kind.BLOCKED, reply), "source blocked: " + blocked.block().reason());
        return new Ending.Close("blocked");
      }
      case AuthThrottle.Admission.TooFast tooFast -> {
        Reply reply = Replies.tooManyAuthAttempts(settings.hostname());
        client.send(reply);
        publish(mechanism.get(), "", Result.of(Kind.RATE_LIMITED, reply), "over the AUTH rate for this address");
        return new Ending.Close("auth rate");
      }
    }
    Optional<byte[]> initial = Optional.empty();
    if (auth.initialResponse().isPresent()) {
      initial = AuthLine.initialResponse(auth.initialResponse().get());
      if (initial.isEmpty()) {
        return failed(mechanism.get(), "", Kind.MALFORMED, Replies.badBase64(), "bad base64 in initial response");
      }
    }
    // Only SCRAM uses the binding (-PLUS to bind, plain SCRAM to detect a "y" downgrade).
    boolean isScram = mechanism.get() == Mechanism.SCRAM_SHA_256 || mechanism.get() == Mechanism.SCRAM_SHA_256_PLUS;
    SaslMechanism exchange =
        authenticator.begin(mechanism.get(), isScram ? client.channelBinding() : Optional.empty(), facts.client.getAddress());
    SaslStep step = exchange.start(initial);
    while (step instanceof SaslStep.Challenge challenge) {
      client.send(Replies.authChallenge(AuthLine.challenge(challenge.data())));
      client.flush();
      ClientInput.Line line;
      try {
        line = client.readLine();
      } catch (IOException gone) {
        // A refusal already decided stands though the client left without answering (curl does
        // not answer an XOAUTH2 error challenge): it is recorded and counted all the same.
        if (challenge.decided().isPresent()) {
          AuthOutcome.Refused refused = challenge.decided().get();
          recordFailure(
              mechanism.get(), refused.account(), kindOf(refused), replyTo(refused), refused.reason() + " (client left)");
        }
        throw gone;
      }
      if (line instanceof ClientInput.Line.TooLong) {
        return failed(mechanism.get(), "", Kind.MALFORMED, Replies.authLineTooLong(), "exchange line over 12288 octets");
      }
      byte[] octets = ((ClientInput.Line.Text) line).octets();
      if (AuthLine.isCancel(octets)) {
        return failed(mechanism.get(), "", Kind.CANCELLED, Replies.authCancelled(), "cancelled by the client");
      }
      Optional<byte[]> response = AuthLine.response(octets);
      if (response.isEmpty()) {
        return failed(mechanism.get(), "", Kind.MALFORMED, Replies.badBase64(), "bad base64 in response");
      }
      step = exchange.respond(response.get());
    }
    AuthOutcome outcome = ((SaslStep.Done) step).outcome();
    return switch (outcome) {
      case AuthOutcome.Authenticated ok -> {
        throttle.succeeded(ok.principal().account(), facts.client.getAddress());
        facts.authenticated(ok.principal());
        Reply reply = Replies.authSucceeded();
        publish(mechanism.get(), ok.principal().account(), Result.of(Kind.SUCCESS, reply), "with " + ok.credential());
        yield new Ending.Answer(reply);
      }
      case AuthOutcome.Refused refused ->
          failed(mechanism.get(), refused.account(), kindOf(refused), replyTo(refused), refused.reason());
    };
  }

  /** The kind of an authenticator's refusal, as the events record it. */
  private static Kind kindOf(AuthOutcome.Refused refused) {
    return switch (refused.refusal()) {
      case INVALID_CREDENTIALS -> Kind.INVALID_CREDENTIALS;
      case TOO_WEAK -> Kind.TOO_WEAK;
      case UNAVAILABLE -> Kind.TEMPORARY;
      case MALFORMED -> Kind.MALFORMED;
    };
  }

  /** RFC 4954 §6: what the client is told for an authenticator's refusal. */
  private static Reply replyTo(AuthOutcome.Refused refused) {
    return switch (refused.refusal()) {
      case INVALID_CREDENTIALS -> Replies.authFailed();
      case TOO_WEAK -> Replies.mechanismTooWeak();
      case UNAVAILABLE -> Replies.authTemporaryFailure();
      case MALFORMED -> Replies.malformedAuthResponse();
    };
  }

  /**
   * Ends a failed exchange. Every failure but a temporary one (the store is down) is counted and
   * costs the client the tarpit's delay before it hears the answer.
   */
  private Ending failed(Mechanism mechanism, String account, Kind kind, Reply reply, String reason)
      throws IOException {
    client.tarpit(recordFailure(mechanism, account, kind, reply, reason));
    return new Ending.Answer(reply);
  }

  /** Publishes a failed attempt and counts it; returns the tarpit delay it earned (none if temporary). */
  private Duration recordFailure(Mechanism mechanism, String account, Kind kind, Reply reply, String reason) {
    publish(mechanism, account, Result.of(kind, reply), reason);
    return reply.isTransientFailure() ? Duration.ZERO : throttle.failed(account, facts.client.getAddress());
  }

  private void publish(Mechanism mechanism, String account, Result result, String reason) {
    events.publish(
        new Event.AuthAttempt(
            clock.instant(),
            facts.sessionId,
            facts.listener,
            facts.client.getAddress().getHostAddress(),
            facts.tls().map(TlsFacts::protocol).orElse(""),
            facts.tls().map(TlsFacts::cipherSuite).orElse(""),
            mechanism.saslName(),
            account,
            result,
            reason));
  }
}
