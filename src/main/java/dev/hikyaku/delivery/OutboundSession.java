package dev.hikyaku.delivery;

import dev.hikyaku.net.TlsFacts;
import dev.hikyaku.protocol.DeliveryReasons;
import dev.hikyaku.protocol.DeliveryStatus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of one SMTP connection to a receiving server or smarthost (RFC 5321): greeting,
 * EHLO, STARTTLS per {@link TlsPolicy}, AUTH for smarthosts, then one or more mail transactions.
 *
 * <p>Confined to one thread (a delivery worker's virtual thread): not for concurrent use. The wire is
 * a {@link ClientConnection} (buffered both ways, so a pipelined group is one write); every read has
 * the RFC 5321 §4.5.3.2 timeout of its step, and every write a deadline. TLS is {@link ClientTls}'s,
 * AUTH {@link ClientAuth}'s, and what the replies of a transaction make of its recipients {@link
 * ClientTransaction}'s.
 *
 * <p>Credentials are written to the socket only under TLS and never to a log or an exception.
 */
public final class OutboundSession implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(OutboundSession.class);

  /** RFC 5321 §4.1.1.1 / RFC 5321 §2.3.5: a domain or address literal; no spaces, no line ends. */
  private static final Pattern EHLO_NAME = Pattern.compile("[A-Za-z0-9.:\\[\\]-]+");

  /**
   * Reply timeouts of RFC 5321 §4.5.3.2, plus the TCP connect timeout.
   *
   * @param connect TCP connection establishment
   * @param greeting the 220 greeting (§4.5.3.2.1: 5 minutes)
   * @param command every other command's reply, including EHLO, STARTTLS and its handshake, AUTH,
   *     MAIL, RCPT, DATA and QUIT (§4.5.3.2.2-3: 5 minutes; DATA initiation's 2 minutes is shorter
   *     than needed here, so the command timeout covers it)
   * @param dataBlock each block of message content written (§4.5.3.2.5: 3 minutes)
   * @param dataEnd the reply to the final dot (§4.5.3.2.6: 10 minutes)
   */
  public record Timeouts(Duration connect, Duration greeting, Duration command, Duration dataBlock, Duration dataEnd) {

    public Timeouts {
      positive("connect", connect);
      positive("greeting", greeting);
      positive("command", command);
      positive("dataBlock", dataBlock);
      positive("dataEnd", dataEnd);
    }

    /** 30 s to connect, then RFC 5321 §4.5.3.2's minimums: 5 min, 5 min, 3 min, 10 min. */
    public static Timeouts defaults() {
      return new Timeouts(
          Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMinutes(3), Duration.ofMinutes(10));
    }

    private static void positive(String name, Duration value) {
      Objects.requireNonNull(value, name);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException("timeout " + name + " must be positive, was " + value);
      }
    }
  }

  private final String server;
  /** RFC 3464 §2.3.5: who this session talks to, as every status it reports names it. */
  private final DeliveryStatus.RemoteMta remoteMta;
  private final String serverName;
  private final Timeouts timeouts;
  private final ClientConnection connection;

  /** EHLO keywords (upper case) and their parameters; empty after HELO. */
  private Map<String, String> extensions = Map.of();
  private Optional<TlsFacts> tls = Optional.empty();
  /** A transaction was started on this connection: the next one begins with RSET. */
  private boolean hasTransaction;
  private boolean isClosed;
  /** RFC 2033: LHLO instead of EHLO, and one reply per accepted recipient after the final dot. */
  private final boolean isLmtp;

  private OutboundSession(Socket socket, String serverName, InetSocketAddress address, Timeouts timeouts, boolean isLmtp)
      throws IOException {
    this.isLmtp = isLmtp;
    this.serverName = serverName;
    this.remoteMta = remoteMta(serverName, address);
    this.server = remoteMta.relay();
    this.timeouts = timeouts;
    this.connection = new ClientConnection(socket, server, timeouts.command());
  }

  /**
   * Connects, reads the greeting, EHLO (HELO when EHLO gets 5yz), STARTTLS per {@code policy}
   * (EHLO again after it), and AUTH PLAIN or LOGIN when {@code credentials} are given (only over TLS).
   *
   * @param address where to connect
   * @param serverName the MX or smarthost host name: sent as SNI and, under {@link TlsPolicy#VERIFY}
   *     and {@link TlsPolicy#IMPLICIT}, the name the certificate must carry
   * @param ehloName our host name for EHLO/HELO
   * @param tlsContext the context for verified TLS (its trust managers decide); the JDK default when
   *     empty. {@link TlsPolicy#OPPORTUNISTIC} and {@link TlsPolicy#REQUIRE} do not verify and do not
   *     use it.
   * @throws OutboundException when the session cannot be used; {@link OutboundException#isTransient()}
   *     is false only for a 5yz greeting, EHLO+HELO or re-EHLO reply
   */
  public static OutboundSession open(
      InetSocketAddress address,
      String serverName,
      String ehloName,
      TlsPolicy policy,
      Optional<SmtpCredentials> credentials,
      Timeouts timeouts,
      Optional<SSLContext> tlsContext)
      throws OutboundException {
    return open(address, serverName, ehloName, policy, credentials, timeouts, tlsContext, false);
  }

  /**
   * Connects to an LMTP server (RFC 2033), reads the greeting and sends LHLO. Plaintext and without
   * AUTH: LMTP is for a mailbox server on a trusted network or loopback (RFC 2033 §1 and §5).
   *
   * @throws OutboundException as {@link #open}; permanent only for a 5yz greeting or LHLO reply
   */
  public static OutboundSession openLmtp(InetSocketAddress address, String serverName, String lhloName, Timeouts timeouts)
      throws OutboundException {
    return open(address, serverName, lhloName, TlsPolicy.OPPORTUNISTIC, Optional.empty(), timeouts, Optional.empty(), true);
  }

  private static OutboundSession open(
      InetSocketAddress address,
      String serverName,
      String ehloName,
      TlsPolicy policy,
      Optional<SmtpCredentials> credentials,
      Timeouts timeouts,
      Optional<SSLContext> tlsContext,
      boolean isLmtp)
      throws OutboundException {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(serverName, "serverName");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(timeouts, "timeouts");
    Objects.requireNonNull(tlsContext, "tlsContext");
    if (!EHLO_NAME.matcher(ehloName).matches()) {
      throw new IllegalArgumentException("not a host name for EHLO: \"" + ehloName + "\"");
    }
    // As the session names its server (relay=name[address]:port), before there is a session.
    String label = remoteMta(serverName, address).relay();
    Socket raw = new Socket();
    try {
      raw.connect(address, ClientConnection.millis(timeouts.connect()));
    } catch (SocketTimeoutException e) {
      ClientConnection.closeQuietly(raw);
      throw new OutboundException(DeliveryReasons.noConnection("connecting to " + label + " timed out after " + timeouts.connect()), e);
    } catch (IOException e) {
      ClientConnection.closeQuietly(raw);
      throw new OutboundException(DeliveryReasons.noConnection("connecting to " + label + " failed: " + e.getMessage()), e);
    }
    OutboundSession session;
    try {
      session = new OutboundSession(raw, serverName, address, timeouts, isLmtp);
    } catch (IOException e) {
      ClientConnection.closeQuietly(raw);
      throw new OutboundException(DeliveryReasons.noConnection("setting up the connection to " + label + " failed: " + e.getMessage()), e);
    }
    try {
      session.begin(ehloName, policy, credentials, tlsContext);
      return session;
    } catch (OutboundException e) {
      session.abandon();
      throw e;
    } catch (IOException e) {
      session.abandon();
      throw new OutboundException(DeliveryReasons.connectionLost(session.server + ": " + e.getMessage()).at(session.remoteMta), e);
    }
  }

  private void begin(String ehloName, TlsPolicy policy, Optional<SmtpCredentials> credentials, Optional<SSLContext> tlsContext)
      throws IOException, OutboundException {
    ClientTls clientTls = new ClientTls(policy, tlsContext, serverName, remoteMta, timeouts.command());
    if (clientTls.isImplicit()) {
      tls = Optional.of(clientTls.startImplicit(connection));
    }
    SmtpReply greeting = connection.read("the greeting", timeouts.greeting());
    if (greeting.code() != 220) {
      // RFC 5321 §3.1: 554 (or 421) instead of 220 means no service here.
      throw OutboundException.refused(remoteMta, "the connection", greeting);
    }
    if (isLmtp) {
      // RFC 2033 §4.1: LHLO, answered as EHLO; there is no HELO fallback, STARTTLS or AUTH here.
      SmtpReply lhlo = connection.command("LHLO " + ehloName, "LHLO");
      if (!lhlo.isPositive()) {
        throw OutboundException.refused(remoteMta, "LHLO", lhlo);
      }
      extensions = lhlo.ehloKeywords();
      return;
    }
    ehlo(ehloName);
    if (!clientTls.isImplicit()) {
      Optional<TlsFacts> started = clientTls.startTls(connection, extensions);
      if (started.isPresent()) {
        tls = started;
        // RFC 3207 §4.2: discard everything learned before TLS and ask again.
        extensions = Map.of();
        ehlo(ehloName);
      }
    }
    if (credentials.isPresent()) {
      ClientAuth.authenticate(connection, credentials.get(), extensions, tls.isPresent(), remoteMta);
    }
  }

  private void ehlo(String ehloName) throws IOException, OutboundException {
    SmtpReply reply = connection.command("EHLO " + ehloName, "EHLO");
    if (reply.isPositive()) {
      extensions = reply.ehloKeywords();
      return;
    }
    if (reply.isPermanent()) {
      // RFC 5321 §3.2: a server that does not know EHLO answers 5yz; fall back to HELO, no extensions.
      SmtpReply helo = connection.command("HELO " + ehloName, "HELO");
      if (helo.isPositive()) {
        extensions = Map.of();
        return;
      }
      throw OutboundException.refused(remoteMta, "HELO", helo);
    }
    throw OutboundException.refused(remoteMta, "EHLO", reply);
  }

  /**
   * One transaction for {@code message}, with an outcome for every recipient in order. Local
   * refusals (8-bit or SMTPUTF8 content the server cannot take, over its SIZE) fail everyone without
   * sending anything. A connection failure mid-way defers every recipient not yet decided and leaves
   * the session unusable.
   *
   * @throws OutboundException only when the session cannot start a transaction (closed, or broken by
   *     an earlier failure)
   */
  public List<Attempt> send(Outbound message) throws OutboundException {
    Objects.requireNonNull(message, "message");
    ensureUsable();
    List<String> recipients = message.recipients();
    Optional<DeliveryStatus> refusal = ClientTransaction.localRefusal(message, extensions, remoteMta);
    if (refusal.isPresent()) {
      return recipients.stream().map(r -> new Attempt(r, refusal.get())).toList();
    }

    Attempt[] attempts = new Attempt[recipients.size()];
    try {
      if (hasTransaction) {
        // RFC 5321 §4.1.1.5: start from a clean state on a reused connection.
        SmtpReply reset = connection.command("RSET", "RSET");
        if (!reset.isPositive()) {
          connection.markBroken();
          return ClientTransaction.decideAll(recipients, attempts, "RSET", reset, remoteMta);
        }
      }
      hasTransaction = true;
      transaction(message, attempts);
    } catch (IOException e) {
      abandon();
      for (int i = 0; i < attempts.length; i++) {
        if (attempts[i] == null) {
          attempts[i] = new Attempt(recipients.get(i), DeliveryReasons.connectionLost(server + ": " + e.getMessage()).at(remoteMta));
        }
      }
    }
    return List.of(attempts);
  }

  /**
   * An address verification probe (Postfix's "SMTP interruptus", Exim's callout): {@code MAIL
   * FROM:<>} (RFC 5321 §4.5.5: the null reverse-path, so that nothing can ever bounce to anyone),
   * {@code RCPT TO:<recipient>}, then {@code RSET} (RFC 5321 §4.1.1.5); no message is sent. Returns
   * the server's reply to RCPT.
   *
   * @throws OutboundException when the session is closed or broken, the server refused MAIL (its
   *     reply says nothing about the recipient), or the connection failed
   */
  public SmtpReply probe(String recipient) throws OutboundException {
    Objects.requireNonNull(recipient, "recipient");
    ensureUsable();
    try {
      if (hasTransaction) {
        SmtpReply reset = connection.command("RSET", "RSET");
        if (!reset.isPositive()) {
          connection.markBroken();
          throw OutboundException.refused(remoteMta, "RSET", reset);
        }
      }
      hasTransaction = true;
      // RFC 6531 §3.4: a UTF-8 address needs SMTPUTF8 on MAIL, where the server offers it.
      boolean isUtf8 = !StandardCharsets.US_ASCII.newEncoder().canEncode(recipient) && extensions.containsKey("SMTPUTF8");
      SmtpReply mail = connection.command("MAIL FROM:<>" + (isUtf8 ? " SMTPUTF8" : ""), "MAIL FROM");
      if (!mail.isPositive()) {
        throw OutboundException.refused(remoteMta, "MAIL FROM", mail);
      }
      SmtpReply rcpt = connection.command("RCPT TO:<" + recipient + ">", "RCPT TO");
      if (rcpt.code() == 421) {
        connection.markBroken(); // RFC 5321 §3.8: the server is closing the connection
        return rcpt;
      }
      SmtpReply reset = connection.command("RSET", "RSET");
      hasTransaction = !reset.isPositive();
      return rcpt;
    } catch (IOException e) {
      abandon();
      throw new OutboundException(DeliveryReasons.connectionLost(server + ": " + e.getMessage()).at(remoteMta), e);
    }
  }

  private void transaction(Outbound message, Attempt[] attempts) throws IOException {
    List<String> recipients = message.recipients();
    String mail = ClientTransaction.mailCommand(message, extensions);
    SmtpReply[] rcptReplies = new SmtpReply[recipients.size()];
    SmtpReply mailReply;
    SmtpReply dataReply = null;
    if (extensions.containsKey("PIPELINING")) {
      // RFC 2920 §3.1: MAIL, the RCPTs and DATA in one group (DATA ends it), then the replies in order.
      connection.writeLine(mail);
      for (int i = 0; i < recipients.size(); i++) {
        connection.writeLine(ClientTransaction.rcptCommand(message, i, extensions));
      }
      connection.writeLine("DATA");
      connection.flush(timeouts.command());
      mailReply = connection.read("MAIL FROM", timeouts.command());
      for (int i = 0; i < recipients.size(); i++) {
        rcptReplies[i] = connection.read("RCPT TO", timeouts.command());
      }
      dataReply = connection.read("DATA", timeouts.command());
    } else {
      mailReply = connection.command(mail, "MAIL FROM");
      if (mailReply.isPositive()) {
        boolean isAnyAccepted = false;
        for (int i = 0; i < recipients.size(); i++) {
          rcptReplies[i] = connection.command(ClientTransaction.rcptCommand(message, i, extensions), "RCPT TO");
          isAnyAccepted |= rcptReplies[i].isPositive();
          if (rcptReplies[i].code() == 421) {
            break;
          }
        }
        if (isAnyAccepted) {
          dataReply = connection.command("DATA", "DATA");
        }
      }
    }

    ClientTransaction.BeforeContent decided =
        ClientTransaction.beforeContent(recipients, mailReply, rcptReplies, dataReply, remoteMta);
    System.arraycopy(decided.attempts(), 0, attempts, 0, attempts.length);
    switch (decided.content()) {
      case NONE -> {}
      case END_EMPTY -> {
        connection.write(new byte[] {'.', '\r', '\n'}, timeouts.command());
        if (isLmtp) {
          // RFC 2033 §4.2: DATA must fail when no RCPT succeeded, and after the dot there would be no
          // reply to read (one per accepted recipient: none). Give up the connection.
          connection.markBroken();
        } else {
          SmtpReply ignored = connection.read("end of empty data", timeouts.dataEnd());
          log.debug("{} answered an empty DATA with {}", server, ignored);
        }
      }
      case SEND -> {
        connection.writeContent(message.content(), timeouts.dataBlock());
        if (isLmtp) {
          // RFC 2033 §4.2: one reply per accepted recipient, in the order of the RCPT commands.
          for (int i : decided.accepted()) {
            SmtpReply end = connection.read("end of data for " + recipients.get(i), timeouts.dataEnd());
            attempts[i] = ClientTransaction.afterContent(recipients.get(i), end, remoteMta);
          }
        } else {
          SmtpReply end = connection.read("end of data", timeouts.dataEnd());
          for (int i : decided.accepted()) {
            attempts[i] = ClientTransaction.afterContent(recipients.get(i), end, remoteMta);
          }
        }
      }
    }
    if (ClientTransaction.isClosing(mailReply, rcptReplies, dataReply)) {
      // RFC 5321 §3.8: 421 means the server is closing the connection.
      connection.markBroken();
    }
  }

  /**
   * The server as every status names it: the address connected to, not the name it was resolved
   * from (getHostString() gives that name when there is one); an unresolved name stands for itself.
   */
  private static DeliveryStatus.RemoteMta remoteMta(String serverName, InetSocketAddress address) {
    String where = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
    return new DeliveryStatus.RemoteMta(serverName, Optional.of(where), address.getPort());
  }

  /** Throws unless a transaction may start: the session is open and not broken. */
  private void ensureUsable() throws OutboundException {
    if (isClosed || connection.isBroken()) {
      throw new OutboundException(DeliveryReasons.connectionLost("the session to " + server + " is " + (connection.isBroken() ? "broken by an earlier failure" : "closed")).at(remoteMta), null);
    }
  }

  /** The EHLO keywords the server announced (upper case); empty after HELO. */
  public Set<String> extensions() {
    return extensions.keySet();
  }

  /**
   * Whether another transaction may go over this session: open, not broken, and not LMTP (whose
   * sessions the worker does not keep).
   */
  public boolean isReusable() {
    return !isClosed && !connection.isBroken() && !isLmtp;
  }

  /**
   * Readies a kept session for its next transaction with RSET (RFC 5321 §4.1.1.5), and tells
   * whether it still works: false when the server closed it while it was idle or refused RSET, and
   * the session is then broken. After a true, {@link #send} starts without another RSET.
   */
  public boolean reset() {
    if (!isReusable()) {
      return false;
    }
    try {
      SmtpReply reply = connection.command("RSET", "RSET");
      if (reply.isPositive()) {
        hasTransaction = false;
        return true;
      }
      log.debug("{} refused RSET on a kept connection: {}", server, reply);
    } catch (IOException e) {
      log.debug("{} kept connection is gone: {}", server, e.getMessage());
    }
    abandon();
    return false;
  }

  /** The TLS protocol in use ({@code TLSv1.3}), or empty for plaintext. */
  public Optional<String> tlsProtocol() {
    return tls.map(TlsFacts::protocol);
  }

  /** The TLS version and cipher suite in use; empty in plaintext. */
  public Optional<TlsFacts> tls() {
    return tls;
  }

  /** Sends QUIT (RFC 5321 §4.1.1.10) unless the connection is broken, then closes it. */
  @Override
  public void close() {
    if (isClosed) {
      return;
    }
    isClosed = true;
    if (!connection.isBroken()) {
      try {
        connection.command("QUIT", "QUIT");
      } catch (IOException e) {
        // The transaction outcomes are already known; a server that hangs up early changes nothing.
        log.debug("{} QUIT failed: {}", server, e.getMessage());
      }
    }
    connection.close();
  }

  /** Closes the connection without QUIT: after a failure there is nothing to say to the server. */
  private void abandon() {
    connection.markBroken();
    isClosed = true;
    connection.close();
  }
}
