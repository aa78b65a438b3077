package dev.hikyaku.delivery;

import dev.hikyaku.net.TlsFacts;
import dev.hikyaku.protocol.DeliveryReasons;
import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.EnhancedStatus;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's TLS towards one server, per {@link TlsPolicy}: STARTTLS (RFC 3207) or TLS from the
 * first byte (RFC 8314 §3.3), the handshake with SNI and, where the policy verifies, the name check,
 * and what a missing or refused STARTTLS means under the policy.
 */
final class ClientTls {

  private static final Logger log = LoggerFactory.getLogger(OutboundSession.class);

  private final TlsPolicy policy;
  private final Optional<SSLContext> tlsContext;
  /** The MX or smarthost host name: sent as SNI, and the name a verified certificate must carry. */
  private final String serverName;
  private final int port;
  private final DeliveryStatus.RemoteMta remoteMta;
  private final Duration handshakeTimeout;

  ClientTls(
      TlsPolicy policy,
      Optional<SSLContext> tlsContext,
      String serverName,
      DeliveryStatus.RemoteMta remoteMta,
      Duration handshakeTimeout) {
    this.policy = policy;
    this.tlsContext = tlsContext;
    this.serverName = serverName;
    this.port = remoteMta.port();
    this.remoteMta = remoteMta;
    this.handshakeTimeout = handshakeTimeout;
  }

  boolean isImplicit() {
    return policy == TlsPolicy.IMPLICIT;
  }

  /** RFC 8314 §3.3: TLS from the first byte; the greeting comes inside it. */
  TlsFacts startImplicit(ClientConnection connection) throws OutboundException {
    return handshake(connection, verifyingContext(tlsContext), true);
  }

  /**
   * STARTTLS per the policy, after EHLO. Empty when the session goes on in plaintext (opportunistic,
   * and the server did not offer or declined it); after TLS the caller must EHLO again (RFC 3207 §4.2).
   */
  Optional<TlsFacts> startTls(ClientConnection connection, Map<String, String> extensions)
      throws IOException, OutboundException {
    String server = connection.server();
    boolean isRequired = policy != TlsPolicy.OPPORTUNISTIC;
    if (!extensions.containsKey("STARTTLS")) {
      if (isRequired) {
        throw new OutboundException(DeliveryReasons.tlsNotOffered(
            server + " does not offer STARTTLS, which TLS policy " + policy + " requires").at(remoteMta), null);
      }
      log.debug("{} does not offer STARTTLS; continuing in plaintext (opportunistic)", server);
      return Optional.empty();
    }
    SmtpReply reply = connection.command("STARTTLS", "STARTTLS");
    if (reply.code() != 220) {
      if (!isRequired && reply.code() != 421) {
        // RFC 3207 §4.1: the server declined; the connection is still in plaintext and usable.
        log.debug("{} declined STARTTLS with {}; continuing in plaintext (opportunistic)", server, reply);
        return Optional.empty();
      }
      // A refusal under a policy that needs TLS defers, whatever its class: TLS may come back.
      throw new OutboundException(reply.deferral(remoteMta, EnhancedStatus.of(4, 7, 10)), null);
    }
    if (connection.hasUnreadInput()) {
      // RFC 3207 §5 / CVE-2011-0411 in reverse: octets after the 220 came before TLS, from anyone on
      // the path, and would be read as if they came over TLS.
      throw new OutboundException(DeliveryReasons.protocolError(
          server + " sent data after its 220 to STARTTLS, before the TLS handshake; refusing it").at(remoteMta), null);
    }
    // An unverified handshake keeps to the hybrid key exchange when the worker's context is hybrid.
    SSLContext unverified = tlsContext.filter(HybridTls::isHybrid).isPresent() ? NonVerifying.HYBRID_CONTEXT : NonVerifying.CONTEXT;
    return Optional.of(handshake(connection, policy.isVerified() ? verifyingContext(tlsContext) : unverified, policy.isVerified()));
  }

  private TlsFacts handshake(ClientConnection connection, SSLContext context, boolean isVerified)
      throws OutboundException {
    try {
      SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(connection.socket(), serverName, port, true);
      tls.setUseClientMode(true);
      HybridTls.offerGroups(tls);
      SSLParameters parameters = tls.getSSLParameters();
      if (policy.checksNameAsHttps()) {
        // RFC 6125 as HTTPS applies it (RFC 2818 §3.1): the certificate must name the MX host.
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
      }
      sniName(serverName).ifPresent(name -> parameters.setServerNames(List.of(name)));
      tls.setSSLParameters(parameters);
      tls.setSoTimeout(ClientConnection.millis(handshakeTimeout));
      tls.startHandshake();
      TlsFacts facts = TlsFacts.of(tls.getSession());
      connection.attach(tls);
      log.debug("{} TLS {} {}", connection.server(), tls.getSession().getProtocol(), tls.getSession().getCipherSuite());
      return facts;
    } catch (IOException e) {
      connection.markBroken();
      throw new OutboundException(DeliveryReasons.tlsFailed(
          "TLS handshake with " + connection.server() + (policy == TlsPolicy.DANE ? " (DANE)" : isVerified ? " (verified)" : "")
              + " failed: " + e.getMessage())
          .at(remoteMta), e);
    }
  }

  private static Optional<SNIHostName> sniName(String serverName) {
    // RFC 6066 §3: SNI carries host names only, never an address literal.
    if (serverName.isEmpty() || serverName.startsWith("[") || serverName.chars().allMatch(c -> Character.isDigit(c) || c == '.')
        || serverName.contains(":")) {
      return Optional.empty();
    }
    try {
      return Optional.of(new SNIHostName(serverName.endsWith(".") ? serverName.substring(0, serverName.length() - 1) : serverName));
    } catch (IllegalArgumentException e) {
      log.debug("{} is not usable as an SNI host name: {}", serverName, e.getMessage());
      return Optional.empty();
    }
  }

  private static SSLContext verifyingContext(Optional<SSLContext> given) throws OutboundException {
    if (given.isPresent()) {
      return given.get();
    }
    try {
      return SSLContext.getDefault();
    } catch (GeneralSecurityException e) {
      throw new OutboundException(DeliveryReasons.localFailure("the JDK's default TLS context is not available: " + e.getMessage()), e);
    }
  }

  /**
   * Trust for {@link TlsPolicy#OPPORTUNISTIC} and {@link TlsPolicy#REQUIRE}: encryption without
   * authentication (RFC 7435 §1.3: protection against passive attackers). Most MX certificates do
   * not verify, and refusing them would only push the mail to plaintext.
   */
  private static final class NonVerifying extends ServerTrust {

    static final SSLContext CONTEXT = new NonVerifying().context();
    static final SSLContext HYBRID_CONTEXT = HybridTls.context(new NonVerifying());

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}
  }
}
