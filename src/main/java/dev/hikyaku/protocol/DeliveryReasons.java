package dev.hikyaku.protocol;

import dev.hikyaku.protocol.DeliveryStatus.Action;
import dev.hikyaku.protocol.DeliveryStatus.Diagnostic;
import java.util.Optional;

/**
 * The one catalogue of our own delivery outcomes: what delivery says of a recipient when no remote
 * server's reply decides it. Each has its RFC 3463 status (and the RFC that registered it); none is
 * labelled {@code smtp;}, since no server said it (RFC 3464 §2.3.6). The companion of {@link Replies},
 * which holds what we say to clients.
 */
public final class DeliveryReasons {

  private DeliveryReasons() {}

  private static DeliveryStatus failed(int subject, int detail, String reason) {
    return new DeliveryStatus(Action.FAILED, EnhancedStatus.of(5, subject, detail), new Diagnostic.LocalReason(reason), Optional.empty());
  }

  private static DeliveryStatus delayed(int subject, int detail, String reason) {
    return new DeliveryStatus(Action.DELAYED, EnhancedStatus.of(4, subject, detail), new Diagnostic.LocalReason(reason), Optional.empty());
  }

  // ---- Routing ----------------------------------------------------------------------------------

  /** RFC 7505 §4.2-4.3: a null MX says the domain takes no mail; X.1.10 is registered there. */
  public static DeliveryStatus nullMx(String domain) {
    return failed(1, 10, domain + " accepts no mail (null MX, RFC 7505)");
  }

  /** RFC 3463 X.1.2: bad destination system address (no such domain, or no host for it). */
  public static DeliveryStatus noSuchDomain(String domain) {
    return failed(1, 2, domain + " does not exist or has no mail host");
  }

  /** RFC 3463 X.4.3: directory server failure (DNS did not answer, or answered SERVFAIL). */
  public static DeliveryStatus dnsFailure(String domain, String detail) {
    return delayed(4, 3, "DNS lookup for " + domain + " failed: " + detail);
  }

  /** RFC 5321 §6.3 and RFC 3463 X.4.6: routing loop detected. */
  public static DeliveryStatus routingLoop(int receivedFields) {
    return failed(4, 6, "routing loop detected: " + receivedFields + " Received header fields");
  }

  // ---- Connections ------------------------------------------------------------------------------

  /** RFC 3463 X.4.1: no answer from host (refused, unreachable, timed out before the greeting). */
  public static DeliveryStatus noConnection(String detail) {
    return delayed(4, 1, detail);
  }

  /** RFC 3463 X.4.2: bad connection (lost, or timed out, in the middle of the conversation). */
  public static DeliveryStatus connectionLost(String detail) {
    return delayed(4, 2, detail);
  }

  /** RFC 3463 X.5.0: other protocol status (a reply out of place, data before the TLS handshake). */
  public static DeliveryStatus protocolError(String detail) {
    return delayed(5, 0, detail);
  }

  /** RFC 3463 X.4.5: mail system congestion (every connection slot to the host is taken). */
  public static DeliveryStatus congested(String detail) {
    return delayed(4, 5, detail);
  }

  // ---- TLS and authentication (our policy) -------------------------------------------------------

  /** RFC 5248's registry, X.7.10 encryption needed: the policy requires TLS and the server has none. */
  public static DeliveryStatus tlsNotOffered(String detail) {
    return delayed(7, 10, detail);
  }

  /** RFC 3463 X.7.5: cryptographic failure (handshake failed, certificate not verified). */
  public static DeliveryStatus tlsFailed(String detail) {
    return delayed(7, 5, detail);
  }

  /** RFC 3463 X.7.0: other security status (AUTH to a route or smarthost not possible or refused). */
  public static DeliveryStatus authenticationFailed(String detail) {
    return delayed(7, 0, detail);
  }

  // ---- The message and the server ---------------------------------------------------------------

  /** RFC 1870 §6 and RFC 3463 X.3.4: bigger than the receiving server's SIZE. */
  public static DeliveryStatus tooBigForServer(long octets, long limit) {
    return failed(3, 4, "message of " + octets + " octets exceeds the server's SIZE limit of " + limit + " (RFC 1870 §6)");
  }

  /** RFC 6152 §3 and RFC 3463 X.6.3: 8-bit content, a server without 8BITMIME, no conversion here. */
  public static DeliveryStatus needsEightBitMime() {
    return failed(6, 3, "message has 8-bit content and the server does not offer 8BITMIME (RFC 6152)");
  }

  /**
   * RFC 8689 §5 and its X.7.10 (REQUIRETLS support required): the sender asked for verified TLS to
   * servers that offer REQUIRETLS all the way, and this hop cannot give it. Permanent: the message
   * goes back to the sender rather than over a path it refused.
   */
  public static DeliveryStatus requireTlsNotPossible(String detail) {
    return failed(7, 10, "REQUIRETLS: " + detail);
  }

  /** RFC 6531 §3.5 and its X.6.7: the message needs SMTPUTF8 and the server lacks it. */
  public static DeliveryStatus needsSmtpUtf8() {
    return failed(6, 7, "message needs SMTPUTF8 and the server does not offer it (RFC 6531 §3.5)");
  }

  /** RFC 3463 X.3.0: the queued envelope cannot be read back (a damaged queue): retrying cannot help. */
  public static DeliveryStatus envelopeUnreadable(String detail) {
    return failed(3, 0, "queued envelope unreadable: " + detail);
  }

  // ---- Our own side ------------------------------------------------------------------------------

  /** RFC 3463 X.3.0: our own failure (delivery is shutting down, a bug); tried again later. */
  public static DeliveryStatus localFailure(String detail) {
    return delayed(3, 0, detail);
  }

  /** RFC 3463 X.3.5: system incorrectly configured (a route we cannot use as configured). */
  public static DeliveryStatus misconfigured(String detail) {
    return delayed(3, 5, detail);
  }

  /** RFC 3463 X.3.1: mail system full (the Maildir's file system). */
  public static DeliveryStatus mailboxStorageFull(String detail) {
    return delayed(3, 1, detail);
  }

  /** RFC 3463 X.1.3: bad destination mailbox address syntax (a local part no Maildir can hold). */
  public static DeliveryStatus badMailboxName(String detail) {
    return failed(1, 3, detail);
  }

  /** A copy is in the recipient's Maildir: RFC 3463 X.0.0 success. */
  public static DeliveryStatus deliveredToMaildir(String detail) {
    return new DeliveryStatus(Action.DELIVERED, EnhancedStatus.of(2, 0, 0), new Diagnostic.LocalReason(detail), Optional.empty());
  }

  /**
   * Mail for the returns domain was read as a report about mail we sent (or kept unread in its
   * Maildir): RFC 3463 X.0.0 success, the returns domain's final delivery.
   */
  public static DeliveryStatus readAsReport(String detail) {
    return new DeliveryStatus(Action.DELIVERED, EnhancedStatus.of(2, 0, 0), new Diagnostic.LocalReason(detail), Optional.empty());
  }

  /** RFC 5321 §4.5.4.1 and RFC 3463 X.4.7: delivery time expired; the last attempt's diagnostic stays. */
  public static DeliveryStatus expired(DeliveryStatus last) {
    return last.as(Action.FAILED, EnhancedStatus.of(5, 4, 7));
  }

  /** An operator returned the message to its sender ({@code queue return}): RFC 3463 X.0.0. */
  public static DeliveryStatus returnedByAdmin() {
    return failed(0, 0, "returned to the sender by the administrator");
  }
}
