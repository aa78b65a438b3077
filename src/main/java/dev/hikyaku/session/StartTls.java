package dev.hikyaku.session;

import dev.hikyaku.events.Event;
import dev.hikyaku.events.Event.ProtocolViolation.Violation;
import dev.hikyaku.events.Events;
import dev.hikyaku.net.TlsFacts;
import dev.hikyaku.net.Transport;
import dev.hikyaku.protocol.Replies;
import java.io.IOException;
import java.time.Clock;

/**
 * RFC 3207: the STARTTLS command and the TLS negotiation it starts, with its deadline; also the
 * negotiation that opens an implicit-TLS connection (RFC 8314 §3.3), which has no command before it.
 * The session hands it the command and acts on its {@link Ending}; the connection's {@link PeerFacts}
 * forget here what was learned before TLS, and the session forgets its own state (RFC 3207 §4.2).
 */
final class StartTls {

  /** How the negotiation ended, for the session to act on. */
  sealed interface Ending {
    /** TLS is up and {@link PeerFacts} hold only what it told: the session forgets its own state. */
    record Secured() implements Ending {}

    /** The negotiation failed: close the connection, for this reason. */
    record Close(String reason) implements Ending {}
  }

  private final PeerFacts facts;
  private final SessionSettings settings;
  private final Events events;
  private final Clock clock;
  private final Transport transport;
  private final ClientInput input;
  private final AuthDialogue.Client client;

  StartTls(
      PeerFacts facts,
      SessionSettings settings,
      SessionServices services,
      Transport transport,
      ClientInput input,
      AuthDialogue.Client client) {
    this.facts = facts;
    this.settings = settings;
    this.events = services.events();
    this.clock = services.clock();
    this.transport = transport;
    this.input = input;
    this.client = client;
  }

  /** RFC 3207 §4: the STARTTLS command (its rules checked by the verb's guard): 220, then the negotiation. */
  Ending run() throws IOException {
    int dropped = input.discardBuffered();
    if (dropped > 0) {
      // CVE-2011-0411: commands pipelined behind STARTTLS arrived in plaintext; they are dropped,
      // never executed as if they had come over TLS.
      String detail = dropped + " octets discarded";
      events.publish(facts.violation(clock.instant(), Violation.PLAINTEXT_AFTER_STARTTLS, detail));
    }
    client.send(Replies.readyToStartTls());
    client.flush();
    return handshake();
  }

  /** The TLS negotiation, within the listener's handshake timeout. */
  Ending handshake() throws IOException {
    try {
      transport.startTls(settings.tlsHandshakeTimeout());
    } catch (IOException e) {
      events.publish(new Event.TlsFailed(clock.instant(), facts.sessionId, String.valueOf(e.getMessage())));
      return new Ending.Close("tls handshake failed");
    }
    TlsFacts tls = transport.tls().orElseThrow();
    // RFC 3207 §4.2: the EHLO name and the principal are forgotten; an assumed principal (a test
    // seam of the listener, not learned from the client) holds again.
    facts.startedTls(tls);
    settings.assumedPrincipal().ifPresent(facts::authenticated);
    events.publish(new Event.TlsEstablished(clock.instant(), facts.sessionId, tls.protocol(), tls.cipherSuite()));
    return new Ending.Secured();
  }
}
