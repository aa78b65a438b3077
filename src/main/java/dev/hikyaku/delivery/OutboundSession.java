package dev.hikyaku.delivery;

import dev.hikyaku.net.DeadlineOutputStream;
import dev.hikyaku.net.TlsFacts;
import dev.hikyaku.protocol.DeliveryReasons;
import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.EnhancedStatus;

import dev.hikyaku.protocol.Xtext;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of one SMTP connection to a receiving server or smarthost (RFC 5321): greeting,
 * EHLO, STARTTLS per {@link TlsPolicy}, AUTH for smarthosts, then one or more mail transactions.
 *
 * <p>Confined to one thread (a delivery worker's virtual thread): not for concurrent use. Reads go
 * through a {@link BufferedInputStream} and writes through a {@link BufferedOutputStream}, so a
 * pipelined group is one write and a reply line costs no system call per octet. Every read has the
 * RFC 5321 §4.5.3.2 timeout of its step, and every write a deadline ({@link DeadlineOutputStream}).
 *
 * <p>Credentials are written to the socket only under TLS and never to a log or an exception.
 */
public final class OutboundSession implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(OutboundSession.class);

  private static final byte[] CRLF = {'\r', '\n'};

  /** RFC 5321 §4.1.1.1 / RFC 5321 §2.3.5: a domain or address literal; no spaces, no line ends. */
  private static final Pattern EHLO_NAME = Pattern.compile("[A-Za-z0-9.:\\[\\]-]+");

  /** RFC 5321 §4.1.1.1: ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"). */
  private static final Pattern KEYWORD = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]*");

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
  private final int port;
  private final Timeouts timeouts;

  private Socket socket;
  private BufferedInputStream in;
  private ReplyReader replies;
  private DeadlineOutputStream deadline;
  private BufferedOutputStream out;

  /** EHLO keywords (upper case) and their parameters; empty after HELO. */
  private Map<String, String> extensions = Map.of();
  private Optional<TlsFacts> tls = Optional.empty();
  /** A transaction was started on this connection: the next one begins with RSET. */
  private boolean hasTransaction;
  /** The connection failed or the server closed it (421): nothing more may be sent. */
  private boolean isBroken;
  private boolean isClosed;
  /** RFC 2033: LHLO instead of EHLO, and one reply per accepted recipient after the final dot. */
  private final boolean isLmtp;

  private OutboundSession(Socket socket, String serverName, InetSocketAddress address, Timeouts timeouts, boolean isLmtp)
      throws IOException {
    this.isLmtp = isLmtp;
    this.serverName = serverName;
    this.port = address.getPort();
    this.remoteMta = remoteMta(serverName, address);
    this.server = remoteMta.relay();
    this.timeouts = timeouts;
    attach(socket);
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
      raw.connect(address, millis(timeouts.connect()));
    } catch (SocketTimeoutException e) {
      closeQuietly(raw);
      throw new OutboundException(DeliveryReasons.noConnection("connecting to " + label + " timed out after " + timeouts.connect()), e);
    } catch (IOException e) {
      closeQuietly(raw);
      throw new OutboundException(DeliveryReasons.noConnection("connecting to " + label + " failed: " + e.getMessage()), e);
    }
    OutboundSession session;
    try {
      session = new OutboundSession(raw, serverName, address, timeouts, isLmtp);
    } catch (IOException e) {
      closeQuietly(raw);
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
    if (policy == TlsPolicy.IMPLICIT) {
      // RFC 8314 §3.3: TLS from the first byte; the greeting comes inside it.
      startTls(verifyingContext(tlsContext), true);
    }
    SmtpReply greeting = read("the greeting", timeouts.greeting());
    if (greeting.code() != 220) {
      // RFC 5321 §3.1: 554 (or 421) instead of 220 means no service here.
      throw OutboundException.refused(remoteMta, "the connection", greeting);
    }
    if (isLmtp) {
      // RFC 2033 §4.1: LHLO, answered as EHLO; there is no HELO fallback, STARTTLS or AUTH here.
      SmtpReply lhlo = command("LHLO " + ehloName, "LHLO");
      if (!lhlo.isPositive()) {
        throw OutboundException.refused(remoteMta, "LHLO", lhlo);
      }
      extensions = extensionsOf(lhlo);
      return;
    }
    ehlo(ehloName);
    if (policy != TlsPolicy.IMPLICIT) {
      negotiateStartTls(ehloName, policy, tlsContext);
    }
    if (credentials.isPresent()) {
      authenticate(credentials.get());
    }
  }

  private void ehlo(String ehloName) throws IOException, OutboundException {
    SmtpReply reply = command("EHLO " + ehloName, "EHLO");
    if (reply.isPositive()) {
      extensions = extensionsOf(reply);
      return;
    }
    if (reply.isPermanent()) {
      // RFC 5321 §3.2: a server that does not know EHLO answers 5yz; fall back to HELO, no extensions.
      SmtpReply helo = command("HELO " + ehloName, "HELO");
      if (helo.isPositive()) {
        extensions = Map.of();
        return;
      }
      throw OutboundException.refused(remoteMta, "HELO", helo);
    }
    throw OutboundException.refused(remoteMta, "EHLO", reply);
  }

  private static Map<String, String> extensionsOf(SmtpReply ehlo) {
    Map<String, String> keywords = new LinkedHashMap<>();
    // RFC 5321 §4.1.1.1: the first line is the greeting domain; each further line one ehlo-line.
    for (String line : ehlo.lines().subList(1, ehlo.lines().size())) {
      String trimmed = line.strip();
      int space = trimmed.indexOf(' ');
      String keyword = space < 0 ? trimmed : trimmed.substring(0, space);
      if (KEYWORD.matcher(keyword).matches()) {
        keywords.put(keyword.toUpperCase(Locale.ROOT), space < 0 ? "" : trimmed.substring(space + 1).strip());
      }
    }
    return Map.copyOf(keywords);
  }

  private void negotiateStartTls(String ehloName, TlsPolicy policy, Optional<SSLContext> tlsContext)
      throws IOException, OutboundException {
    boolean isRequired = policy != TlsPolicy.OPPORTUNISTIC;
    if (!extensions.containsKey("STARTTLS")) {
      if (isRequired) {
        throw new OutboundException(DeliveryReasons.tlsNotOffered(
            server + " does not offer STARTTLS, which TLS policy " + policy + " requires").at(remoteMta), null);
      }
      log.debug("{} does not offer STARTTLS; continuing in plaintext (opportunistic)", server);
      return;
    }
    SmtpReply reply = command("STARTTLS", "STARTTLS");
    if (reply.code() != 220) {
      if (!isRequired && reply.code() != 421) {
        // RFC 3207 §4.1: the server declined; the connection is still in plaintext and usable.
        log.debug("{} declined STARTTLS with {}; continuing in plaintext (opportunistic)", server, reply);
        return;
      }
      // A refusal under a policy that needs TLS defers, whatever its class: TLS may come back.
      DeliveryStatus refusal = reply.status(remoteMta);
      throw new OutboundException(refusal.outcome() == DeliveryStatus.Outcome.DEFERRED
          ? refusal : refusal.as(DeliveryStatus.Action.DELAYED, EnhancedStatus.of(4, 7, 10)), null);
    }
    if (in.available() > 0) {
      // RFC 3207 §5 / CVE-2011-0411 in reverse: octets after the 220 came before TLS, from anyone on
      // the path, and would be read as if they came over TLS.
      throw new OutboundException(DeliveryReasons.protocolError(
          server + " sent data after its 220 to STARTTLS, before the TLS handshake; refusing it").at(remoteMta), null);
    }
    startTls(policy.isVerified() ? verifyingContext(tlsContext) : NonVerifying.CONTEXT, policy.isVerified());
    // RFC 3207 §4.2: discard everything learned before TLS and ask again.
    extensions = Map.of();
    ehlo(ehloName);
  }

  private void startTls(SSLContext context, boolean isVerified) throws OutboundException {
    try {
      SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(socket, serverName, port, true);
      tls.setUseClientMode(true);
      SSLParameters parameters = tls.getSSLParameters();
      if (isVerified) {
        // RFC 6125 as HTTPS applies it (RFC 2818 §3.1): the certificate must name the MX host.
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
      }
      sniName(serverName).ifPresent(name -> parameters.setServerNames(List.of(name)));
      tls.setSSLParameters(parameters);
      tls.setSoTimeout(millis(timeouts.command()));
      tls.startHandshake();
      this.tls = Optional.of(TlsFacts.of(tls.getSession()));
      attach(tls);
      log.debug("{} TLS {} {}", server, tls.getSession().getProtocol(), tls.getSession().getCipherSuite());
    } catch (IOException e) {
      isBroken = true;
      throw new OutboundException(DeliveryReasons.tlsFailed(
          "TLS handshake with " + server + (isVerified ? " (verified)" : "") + " failed: " + e.getMessage()).at(remoteMta), e);
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

  private void authenticate(SmtpCredentials credentials) throws IOException, OutboundException {
    if (tls.isEmpty()) {
      // RFC 4954 §4 and RFC 8314 §5: never a password in plaintext.
      throw new OutboundException(DeliveryReasons.tlsNotOffered("refusing to send credentials to " + server + " without TLS").at(remoteMta), null);
    }
    String offered = extensions.get("AUTH");
    if (offered == null) {
      throw new OutboundException(DeliveryReasons.authenticationFailed(server + " does not offer AUTH, and credentials are configured for it").at(remoteMta), null);
    }
    Set<String> mechanisms = Set.of(offered.toUpperCase(Locale.ROOT).split("\\s+"));
    // A refused AUTH is transient, as Postfix's smtp_sasl_auth_soft_bounce: wrong or expired
    // credentials are ours to fix, and the mail should wait rather than bounce.
    SmtpReply reply;
    if (mechanisms.contains("PLAIN")) {
      // RFC 4616 §2: message = [authzid] NUL authcid NUL passwd, sent as RFC 4954 §4 initial response.
      byte[] user = credentials.user().getBytes(StandardCharsets.UTF_8);
      byte[] password = utf8(credentials.password());
      byte[] message = new byte[user.length + password.length + 2];
      System.arraycopy(user, 0, message, 1, user.length);
      System.arraycopy(password, 0, message, user.length + 2, password.length);
      byte[] encoded = Base64.getEncoder().encode(message);
      Arrays.fill(password, (byte) 0);
      Arrays.fill(message, (byte) 0);
      reply = secretCommand("AUTH PLAIN ", encoded, "AUTH PLAIN");
    } else if (mechanisms.contains("LOGIN")) {
      reply = command("AUTH LOGIN", "AUTH LOGIN");
      if (reply.code() == 334) {
        reply = secretCommand("", Base64.getEncoder().encode(credentials.user().getBytes(StandardCharsets.UTF_8)), "AUTH LOGIN user name");
        if (reply.code() == 334) {
          byte[] password = utf8(credentials.password());
          byte[] encoded = Base64.getEncoder().encode(password);
          Arrays.fill(password, (byte) 0);
          reply = secretCommand("", encoded, "AUTH LOGIN password");
        }
      }
    } else {
      throw new OutboundException(DeliveryReasons.authenticationFailed(
          server + " offers AUTH " + offered + ", none of which we use (PLAIN, LOGIN)").at(remoteMta), null);
    }
    if (reply.code() == 334) {
      // RFC 4954 §4: "*" cancels an exchange the server wants to continue.
      command("*", "AUTH cancel");
      throw new OutboundException(DeliveryReasons.authenticationFailed(server + " asked for more AUTH steps than the mechanism has: " + reply).at(remoteMta), null);
    }
    if (reply.code() != 235) {
      // Our credentials, not the message: deferred whatever the class, so a fixed password still delivers.
      DeliveryStatus refusal = reply.status(remoteMta);
      throw new OutboundException(refusal.outcome() == DeliveryStatus.Outcome.DEFERRED
          ? refusal : refusal.as(DeliveryStatus.Action.DELAYED, EnhancedStatus.of(4, 7, 8)), null);
    }
  }

  private static byte[] utf8(char[] chars) throws OutboundException {
    try {
      ByteBuffer buffer = StandardCharsets.UTF_8.newEncoder().encode(CharBuffer.wrap(chars));
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      if (buffer.hasArray()) {
        Arrays.fill(buffer.array(), (byte) 0);
      }
      return bytes;
    } catch (CharacterCodingException e) {
      // The message names no part of the password.
      throw new OutboundException(DeliveryReasons.misconfigured("the configured SMTP password is not valid UTF-16 text"), null);
    }
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
    if (isClosed || isBroken) {
      throw new OutboundException(DeliveryReasons.connectionLost("the session to " + server + " is " + (isBroken ? "broken by an earlier failure" : "closed")).at(remoteMta), null);
    }
    List<String> recipients = message.recipients();
    if (message.isEightBit() && !extensions.containsKey("8BITMIME")) {
      return all(recipients, DeliveryReasons.needsEightBitMime().at(remoteMta));
    }
    if (message.isSmtpUtf8() && !extensions.containsKey("SMTPUTF8")) {
      return all(recipients, DeliveryReasons.needsSmtpUtf8().at(remoteMta));
    }
    long limit = sizeLimit();
    if (limit > 0 && message.content().length > limit) {
      return all(recipients, DeliveryReasons.tooBigForServer(message.content().length, limit).at(remoteMta));
    }

    Attempt[] attempts = new Attempt[recipients.size()];
    try {
      if (hasTransaction) {
        // RFC 5321 §4.1.1.5: start from a clean state on a reused connection.
        SmtpReply reset = command("RSET", "RSET");
        if (!reset.isPositive()) {
          isBroken = true;
          return decideAll(recipients, attempts, "RSET", reset);
        }
      }
      hasTransaction = true;
      transaction(message, attempts);
    } catch (IOException e) {
      isBroken = true;
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
    if (isClosed || isBroken) {
      throw new OutboundException(DeliveryReasons.connectionLost("the session to " + server + " is " + (isBroken ? "broken by an earlier failure" : "closed")).at(remoteMta), null);
    }
    try {
      if (hasTransaction) {
        SmtpReply reset = command("RSET", "RSET");
        if (!reset.isPositive()) {
          isBroken = true;
          throw OutboundException.refused(remoteMta, "RSET", reset);
        }
      }
      hasTransaction = true;
      // RFC 6531 §3.4: a UTF-8 address needs SMTPUTF8 on MAIL, where the server offers it.
      boolean isUtf8 = !StandardCharsets.US_ASCII.newEncoder().canEncode(recipient) && extensions.containsKey("SMTPUTF8");
      SmtpReply mail = command("MAIL FROM:<>" + (isUtf8 ? " SMTPUTF8" : ""), "MAIL FROM");
      if (!mail.isPositive()) {
        throw OutboundException.refused(remoteMta, "MAIL FROM", mail);
      }
      SmtpReply rcpt = command("RCPT TO:<" + recipient + ">", "RCPT TO");
      if (rcpt.code() == 421) {
        isBroken = true; // RFC 5321 §3.8: the server is closing the connection
        return rcpt;
      }
      SmtpReply reset = command("RSET", "RSET");
      hasTransaction = !reset.isPositive();
      return rcpt;
    } catch (IOException e) {
      abandon();
      throw new OutboundException(DeliveryReasons.connectionLost(server + ": " + e.getMessage()).at(remoteMta), e);
    }
  }

  private void transaction(Outbound message, Attempt[] attempts) throws IOException {
    List<String> recipients = message.recipients();
    String mail = mailCommand(message);
    SmtpReply[] rcptReplies = new SmtpReply[recipients.size()];
    SmtpReply mailReply;
    SmtpReply dataReply = null;
    if (extensions.containsKey("PIPELINING")) {
      // RFC 2920 §3.1: MAIL, the RCPTs and DATA in one group (DATA ends it), then the replies in order.
      writeLine(mail);
      for (int i = 0; i < recipients.size(); i++) {
        writeLine(rcptCommand(message, i));
      }
      writeLine("DATA");
      flush(timeouts.command());
      mailReply = read("MAIL FROM", timeouts.command());
      for (int i = 0; i < recipients.size(); i++) {
        rcptReplies[i] = read("RCPT TO", timeouts.command());
      }
      dataReply = read("DATA", timeouts.command());
    } else {
      mailReply = command(mail, "MAIL FROM");
      if (mailReply.isPositive()) {
        boolean isAnyAccepted = false;
        for (int i = 0; i < recipients.size(); i++) {
          rcptReplies[i] = command(rcptCommand(message, i), "RCPT TO");
          isAnyAccepted |= rcptReplies[i].isPositive();
          if (rcptReplies[i].code() == 421) {
            break;
          }
        }
        if (isAnyAccepted) {
          dataReply = command("DATA", "DATA");
        }
      }
    }

    List<Integer> accepted = new ArrayList<>();
    if (!mailReply.isPositive()) {
      // A refused MAIL decides everyone; in a pipelined group the RCPT replies are then only 503s.
      decideAll(recipients, attempts, "MAIL FROM", mailReply);
    } else {
      for (int i = 0; i < recipients.size(); i++) {
        SmtpReply rcpt = rcptReplies[i];
        if (rcpt == null) {
          attempts[i] = new Attempt(recipients.get(i), DeliveryReasons.connectionLost(server + " closed the connection before RCPT TO").at(remoteMta));
        } else if (rcpt.isPositive()) {
          accepted.add(i);
        } else {
          attempts[i] = outcome(recipients.get(i), "RCPT TO", rcpt);
        }
      }
    }

    if (dataReply != null && dataReply.code() == 354) {
      if (accepted.isEmpty() && isLmtp) {
        // RFC 2033 §4.2: DATA must fail when no RCPT succeeded, and after the dot there would be no
        // reply to read (one per accepted recipient: none). End the data and give up the connection.
        write(new byte[] {'.', '\r', '\n'}, timeouts.command());
        isBroken = true;
      } else if (accepted.isEmpty()) {
        // RFC 2920 §3.1: DATA was accepted though no recipient was; the server must not be left
        // waiting for content, and must not get the message either: send an empty data part.
        write(new byte[] {'.', '\r', '\n'}, timeouts.command());
        SmtpReply ignored = read("end of empty data", timeouts.dataEnd());
        log.debug("{} answered an empty DATA with {}", server, ignored);
      } else {
        deadline.limit(timeouts.dataBlock());
        DotStuffing.write(message.content(), out);
        out.flush();
        deadline.limit(timeouts.command());
        if (isLmtp) {
          // RFC 2033 §4.2: one reply per accepted recipient, in the order of the RCPT commands.
          for (int i : accepted) {
            SmtpReply end = read("end of data for " + recipients.get(i), timeouts.dataEnd());
            attempts[i] = end.isPositive()
                ? new Attempt(recipients.get(i), end.status(remoteMta))
                : outcome(recipients.get(i), "end of data", end);
          }
        } else {
          SmtpReply end = read("end of data", timeouts.dataEnd());
          for (int i : accepted) {
            attempts[i] = end.isPositive()
                ? new Attempt(recipients.get(i), end.status(remoteMta))
                : outcome(recipients.get(i), "end of data", end);
          }
        }
      }
    } else {
      for (int i : accepted) {
        attempts[i] = dataReply == null
            ? new Attempt(recipients.get(i), DeliveryReasons.connectionLost(server + " gave no reply to DATA").at(remoteMta))
            : outcome(recipients.get(i), "DATA", dataReply);
      }
    }
    if (mailReply.code() == 421 || (dataReply != null && dataReply.code() == 421)
        || Arrays.stream(rcptReplies).anyMatch(r -> r != null && r.code() == 421)) {
      // RFC 5321 §3.8: 421 means the server is closing the connection.
      isBroken = true;
    }
  }

  private String mailCommand(Outbound message) {
    StringBuilder mail = new StringBuilder("MAIL FROM:<").append(message.reversePath()).append('>');
    if (extensions.containsKey("SIZE")) {
      // RFC 1870 §6: the size of the message as sent, before dot-stuffing (an estimate is allowed).
      mail.append(" SIZE=").append(message.content().length);
    }
    if (message.isEightBit()) {
      mail.append(" BODY=8BITMIME"); // RFC 6152 §3; offered, or send() failed it already
    }
    if (message.isSmtpUtf8()) {
      mail.append(" SMTPUTF8"); // RFC 6531 §3.4
    }
    if (extensions.containsKey("DSN") && message.envId().isPresent()) {
      mail.append(" ENVID=").append(Xtext.encode(message.envId().get())); // RFC 3461 §4.4
    }
    if (extensions.containsKey("DSN") && message.ret().isPresent()) {
      mail.append(" RET=").append(message.ret().get().name()); // RFC 3461 §4.3
    }
    return mail.toString();
  }

  /**
   * RCPT TO for the {@code index}th recipient. RFC 3461 §5.2.1: to a server that offers DSN, NOTIFY
   * and ORCPT go on as received; to one that does not, they cannot be sent (§5.2.2 then asks for a
   * "relayed" report on NOTIFY=SUCCESS).
   */
  private String rcptCommand(Outbound message, int index) {
    String rcpt = "RCPT TO:<" + message.recipients().get(index) + ">";
    String dsn = message.recipientParameters().get(index).toWire();
    return extensions.containsKey("DSN") && !dsn.isEmpty() ? rcpt + " " + dsn : rcpt;
  }

  /** The server's fixed SIZE limit (RFC 1870 §4), or 0 when it announces none. */
  private long sizeLimit() {
    String size = extensions.get("SIZE");
    if (size == null || size.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseLong(size.split("\\s+")[0]);
    } catch (NumberFormatException e) {
      log.debug("{} announced an unreadable SIZE \"{}\"; ignoring it", server, size);
      return 0;
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

  /**
   * A step that did not succeed: the reply's class says deferred or failed (SmtpReply#refusal); a
   * 2yz here (DATA answered 250 instead of 354) delivered nothing and defers.
   */
  private Attempt outcome(String recipient, String step, SmtpReply reply) {
    log.debug("{} answered {} for <{}> with {}", server, step, recipient, reply);
    return new Attempt(recipient, reply.refusal(remoteMta));
  }

  private List<Attempt> decideAll(List<String> recipients, Attempt[] attempts, String step, SmtpReply reply) {
    for (int i = 0; i < recipients.size(); i++) {
      attempts[i] = outcome(recipients.get(i), step, reply);
    }
    return List.of(attempts);
  }

  private static List<Attempt> all(List<String> recipients, DeliveryStatus status) {
    return recipients.stream().map(r -> new Attempt(r, status)).toList();
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
    return !isClosed && !isBroken && !isLmtp;
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
      SmtpReply reply = command("RSET", "RSET");
      if (reply.isPositive()) {
        hasTransaction = false;
        return true;
      }
      log.debug("{} refused RSET on a kept connection: {}", server, reply);
    } catch (IOException e) {
      log.debug("{} kept connection is gone: {}", server, e.getMessage());
    }
    isBroken = true;
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
    if (!isBroken) {
      try {
        command("QUIT", "QUIT");
      } catch (IOException e) {
        // The transaction outcomes are already known; a server that hangs up early changes nothing.
        log.debug("{} QUIT failed: {}", server, e.getMessage());
      }
    }
    closeQuietly(socket);
  }

  // --- I/O --------------------------------------------------------------------------------------

  private void attach(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream(), 8192);
    this.replies = new ReplyReader(in);
    this.deadline = new DeadlineOutputStream(socket.getOutputStream(), socket, timeouts.command());
    this.out = new BufferedOutputStream(deadline, 64 * 1024);
  }

  private SmtpReply command(String line, String step) throws IOException {
    writeLine(line);
    flush(timeouts.command());
    return read(step, timeouts.command());
  }

  /** A command whose argument is a secret: logged without it. */
  private SmtpReply secretCommand(String prefix, byte[] secret, String step) throws IOException {
    try {
      log.debug("{} C: {}(hidden)", server, prefix);
      out.write(prefix.getBytes(StandardCharsets.US_ASCII));
      out.write(secret);
      out.write(CRLF);
      flush(timeouts.command());
    } catch (IOException e) {
      throw failure("sending " + step, e);
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
    return read(step, timeouts.command());
  }

  private void writeLine(String line) throws IOException {
    log.debug("{} C: {}", server, line);
    try {
      // UTF-8: addresses under SMTPUTF8 (RFC 6531 §3.3); plain ASCII otherwise.
      out.write(line.getBytes(StandardCharsets.UTF_8));
      out.write(CRLF);
    } catch (IOException e) {
      throw failure("sending " + firstWord(line), e);
    }
  }

  private void write(byte[] bytes, Duration limit) throws IOException {
    try {
      out.write(bytes);
    } catch (IOException e) {
      throw failure("sending data", e);
    }
    flush(limit);
  }

  private void flush(Duration limit) throws IOException {
    deadline.limit(limit);
    try {
      out.flush();
    } catch (IOException e) {
      throw failure("sending to the server", e);
    }
  }

  private SmtpReply read(String step, Duration timeout) throws IOException {
    try {
      socket.setSoTimeout(millis(timeout));
      SmtpReply reply = replies.read();
      log.debug("{} S: {}", server, reply);
      return reply;
    } catch (SocketTimeoutException e) {
      isBroken = true;
      throw new SocketTimeoutException(server + " gave no reply to " + step + " within " + timeout);
    } catch (IOException e) {
      isBroken = true;
      throw failure("waiting for the reply to " + step, e);
    }
  }

  private IOException failure(String doing, IOException cause) {
    isBroken = true;
    return new IOException(server + ": " + doing + " failed: " + cause.getMessage(), cause);
  }

  private static String firstWord(String line) {
    int space = line.indexOf(' ');
    return space < 0 ? line : line.substring(0, space);
  }

  /** Closes the connection without QUIT: after a failure there is nothing to say to the server. */
  private void abandon() {
    isBroken = true;
    isClosed = true;
    closeQuietly(socket);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      log.debug("closing an outbound socket failed: {}", e.getMessage());
    }
  }

  private static int millis(Duration duration) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, duration.toMillis()));
  }

  /**
   * Trust for {@link TlsPolicy#OPPORTUNISTIC} and {@link TlsPolicy#REQUIRE}: encryption without
   * authentication (RFC 7435 §1.3: protection against passive attackers). Most MX certificates do
   * not verify, and refusing them would only push the mail to plaintext.
   */
  private static final class NonVerifying extends X509ExtendedTrustManager {

    static final SSLContext CONTEXT = context();

    private static SSLContext context() {
      try {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new NonVerifying()}, null);
        return context;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("the JDK offers no TLS context", e);
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
      throw new UnsupportedOperationException("an outbound session is never a TLS server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
      throw new UnsupportedOperationException("an outbound session is never a TLS server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
      throw new UnsupportedOperationException("an outbound session is never a TLS server");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
