package dev.hikyaku.session;

import dev.hikyaku.auth.Principal;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.Event.ProtocolViolation.Violation;
import dev.hikyaku.intake.MessageSource;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.net.TlsFacts;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Optional;

/**
 * What the session knows about the client, for as long as the connection lasts. STARTTLS resets it
 * (RFC 3207 §4.2) except for what the network says: the address and the listener.
 */
final class PeerFacts {

  final String sessionId;
  final String listener;
  final ListenerRole role;
  final InetSocketAddress client;
  final Instant connectedAt;
  private Optional<String> heloName = Optional.empty();
  private boolean isEsmtp;
  private Optional<TlsFacts> tls = Optional.empty();
  private Optional<Principal> principal = Optional.empty();
  private int errors;

  PeerFacts(String sessionId, String listener, ListenerRole role, InetSocketAddress client, Instant connectedAt) {
    this.sessionId = sessionId;
    this.listener = listener;
    this.role = role;
    this.client = client;
    this.connectedAt = connectedAt;
  }

  void greeted(String name, boolean isEsmtp) {
    this.heloName = Optional.of(name);
    this.isEsmtp = isEsmtp;
  }

  boolean hasGreeted() {
    return heloName.isPresent();
  }

  Optional<String> heloName() {
    return heloName;
  }

  boolean isEsmtp() {
    return isEsmtp;
  }

  /**
   * RFC 3207 §4.2: "the server MUST discard any knowledge obtained from the client, such as the
   * argument to the EHLO command, which was not obtained from the TLS negotiation itself."
   */
  void startedTls(TlsFacts facts) {
    this.tls = Optional.of(facts);
    this.heloName = Optional.empty();
    this.isEsmtp = false;
    this.principal = Optional.empty();
  }

  Optional<TlsFacts> tls() {
    return tls;
  }

  boolean hasTls() {
    return tls.isPresent();
  }

  void authenticated(Principal who) {
    this.principal = Optional.of(who);
  }

  Optional<Principal> principal() {
    return principal;
  }

  /** The client as intake records a message's source (its trace header, its checks). */
  MessageSource.Smtp asSource() {
    return new MessageSource.Smtp(
        sessionId, listener, role, client, heloName.orElse("unknown"), isEsmtp, tls, principal);
  }

  /** A protocol violation by this client, as the events record it. */
  Event.ProtocolViolation violation(Instant at, Violation kind, String detail) {
    return new Event.ProtocolViolation(at, sessionId, client.getAddress().getHostAddress(), kind, detail);
  }

  /** Counts one error reply; returns the new total. */
  int countError() {
    return ++errors;
  }
}
