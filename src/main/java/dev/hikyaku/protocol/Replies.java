package dev.hikyaku.protocol;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The one catalogue of replies. Codes follow RFC 5321 §4.2.2-4.2.3 and the RFC that defines each
 * extension; enhanced codes follow RFC 3463 and its registry (RFC 5248). Texts follow the RFCs where
 * they give one, and otherwise say plainly what happened.
 */
public final class Replies {

  private Replies() {}

  private static final EnhancedStatus OK = EnhancedStatus.of(2, 0, 0);

  // ---- Connection ----------------------------------------------------------------------------

  /** RFC 5321 §4.2: the greeting names the server; RFC 2034 exempts it from enhanced codes. */
  public static Reply greeting(String hostname) {
    return new Reply(220, null, hostname + " ESMTP Hikyaku");
  }

  /** RFC 5321 §4.1.1.1: first line names the server, then one extension keyword per line. */
  public static Reply ehlo(String hostname, String clientName, List<String> keywords) {
    List<String> lines = new ArrayList<>(keywords.size() + 1);
    lines.add(hostname + " greets " + clientName);
    lines.addAll(keywords);
    return new Reply(250, null, lines);
  }

  public static Reply helo(String hostname) {
    return new Reply(250, null, hostname);
  }

  /** RFC 5321 §4.1.1.10. */
  public static Reply bye() {
    return new Reply(221, OK, "Bye");
  }

  public static Reply ok() {
    return new Reply(250, OK, "Ok");
  }

  /** RFC 5321 §3.5.3: VRFY answered without revealing whether the user exists. */
  public static Reply cannotVerify() {
    return new Reply(
        252, OK, "Cannot VRFY user, but will accept message and attempt delivery");
  }

  public static Reply help() {
    return new Reply(
        214,
        OK,
        List.of(
            "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH",
            "See RFC 5321 for their meaning"));
  }

  // ---- Transaction ---------------------------------------------------------------------------

  /** RFC 3463: X.1.0 other address status (sender ok). */
  public static Reply senderOk() {
    return new Reply(250, EnhancedStatus.of(2, 1, 0), "Ok");
  }

  /** RFC 3463: X.1.5 destination address valid. */
  public static Reply recipientOk() {
    return new Reply(250, EnhancedStatus.of(2, 1, 5), "Ok");
  }

  /** RFC 5321 §4.1.1.4. */
  public static Reply startMailInput() {
    return new Reply(354, null, "End data with <CR><LF>.<CR><LF>");
  }

  /** The message is committed to the queue. RFC 3463: X.0.0. */
  public static Reply queued(String queueId) {
    return new Reply(250, OK, "Ok: queued as " + queueId);
  }

  /** RFC 3030 §2: a BDAT chunk that is not the last one was received. */
  public static Reply chunkReceived(long octets) {
    return new Reply(250, OK, octets + " octets received");
  }

  // ---- TLS -----------------------------------------------------------------------------------

  /** RFC 3207 §4. */
  public static Reply readyToStartTls() {
    return new Reply(220, OK, "Ready to start TLS");
  }

  /** RFC 3207 §4: STARTTLS takes no parameters. */
  public static Reply startTlsSyntax() {
    return new Reply(501, EnhancedStatus.of(5, 5, 4), "Syntax error (no parameters allowed)");
  }

  /** RFC 3207 §4.2: STARTTLS once TLS is active is out of sequence. */
  public static Reply tlsAlreadyActive() {
    return new Reply(503, EnhancedStatus.of(5, 5, 1), "TLS already active");
  }

  /** RFC 3207 §4 / RFC 8314 §3.3: submission demands TLS before anything else. */
  public static Reply mustStartTlsFirst() {
    return new Reply(530, EnhancedStatus.of(5, 7, 0), "Must issue a STARTTLS command first");
  }

  // ---- Authentication (RFC 4954 §4, §6) -------------------------------------------------------

  /** RFC 4954 §6: the listener requires an authenticated principal before MAIL. */
  public static Reply authenticationRequired() {
    return new Reply(530, EnhancedStatus.of(5, 7, 0), "Authentication required");
  }

  /** RFC 4954 §4: a server challenge, base64-encoded; 3xx carries no enhanced code. */
  public static Reply authChallenge(String base64) {
    return new Reply(334, null, base64);
  }

  /** RFC 4954 §6. */
  public static Reply authSucceeded() {
    return new Reply(235, EnhancedStatus.of(2, 7, 0), "Authentication successful");
  }

  /** RFC 4954 §6: the same reply for an unknown account and a wrong secret. */
  public static Reply authFailed() {
    return new Reply(535, EnhancedStatus.of(5, 7, 8), "Authentication credentials invalid");
  }

  /** RFC 4954 §6. */
  public static Reply mechanismTooWeak() {
    return new Reply(534, EnhancedStatus.of(5, 7, 9), "Authentication mechanism is too weak");
  }

  /** RFC 4954 §6: the account store or token issuer could not be reached. */
  public static Reply authTemporaryFailure() {
    return new Reply(454, EnhancedStatus.of(4, 7, 0), "Temporary authentication failure");
  }

  /** RFC 4954 §4: the client sent "*". */
  public static Reply authCancelled() {
    return new Reply(501, EnhancedStatus.of(5, 7, 0), "Authentication cancelled");
  }

  /** RFC 4954 §4: a response that is not valid base64. */
  public static Reply badBase64() {
    return new Reply(501, EnhancedStatus.of(5, 5, 2), "Invalid base64 data");
  }

  /** RFC 4954 §4: a response the mechanism cannot parse. */
  public static Reply malformedAuthResponse() {
    return new Reply(501, EnhancedStatus.of(5, 5, 2), "Malformed authentication response");
  }

  /** RFC 4954 §6. */
  public static Reply unknownMechanism() {
    return new Reply(504, EnhancedStatus.of(5, 5, 4), "Unrecognized authentication type");
  }

  /** RFC 4954 §4: AUTH after a successful AUTH. */
  public static Reply alreadyAuthenticated() {
    return new Reply(503, EnhancedStatus.of(5, 5, 1), "Already authenticated");
  }

  /** RFC 4954 §6: plaintext mechanisms need an encrypted channel. */
  public static Reply encryptionRequired() {
    return new Reply(
        538, EnhancedStatus.of(5, 7, 11), "Encryption required for requested authentication mechanism");
  }

  /** RFC 4954 §4 / RFC 3463 X.5.6: an AUTH line over 12288 octets. */
  public static Reply authLineTooLong() {
    return new Reply(500, EnhancedStatus.of(5, 5, 6), "Authentication Exchange line is too long");
  }

  /** RFC 6409 §4.2 / RFC 3463 X.7.1: the account may not use this envelope sender. */
  public static Reply senderNotOwned(String sender, String account) {
    return new Reply(553, EnhancedStatus.of(5, 7, 1), "<" + sender + ">: Sender address rejected: not owned by user " + account);
  }

  /** RFC 5321 §4.5.5: the null reverse-path is not for authenticated submission here. */
  public static Reply nullSenderNotAllowed() {
    return new Reply(553, EnhancedStatus.of(5, 7, 1), "<>: Null sender is not allowed for authenticated clients");
  }

  /** RFC 6409 §4.2 / RFC 3463 X.7.1: owned by the account, but outside what its API key may use. */
  public static Reply senderOutsideApiKey(String sender, String apiKey) {
    return new Reply(553, EnhancedStatus.of(5, 7, 1), "<" + sender + ">: Sender address rejected: not allowed for API key " + apiKey);
  }

  /** RFC 6409 §8.1 with an API key: a From: address outside the senders the key is limited to. */
  public static Reply fromHeaderOutsideApiKey(String address, String apiKey) {
    return new Reply(550, EnhancedStatus.of(5, 7, 1), "From: header address <" + address + "> not allowed for API key " + apiKey);
  }

  /** RFC 6409 §4.2 applied to the From: header (RFC 5322 §3.6.2). */
  public static Reply fromHeaderNotOwned(String address, String account) {
    return new Reply(550, EnhancedStatus.of(5, 7, 1), "From: header address <" + address + "> not owned by user " + account);
  }

  /**
   * RFC 7489 §6.6.4 / §10.3: the From domain publishes p=reject and neither SPF nor DKIM passed
   * for it; 5.7.1 "delivery not authorized" (RFC 7372 lists 5.7.26 for multiple failures, which
   * fewer clients know).
   */
  public static Reply dmarcRejected(String domain) {
    return new Reply(550, EnhancedStatus.of(5, 7, 1), "Message refused: the DMARC policy of " + domain + " is reject and it did not pass");
  }

  /**
   * A content filter's reject (RFC 3463 §3.8: X.7.1 delivery not authorized, message refused), with
   * the filter's reason ("Gtube pattern", "Spam message rejected").
   */
  public static Reply contentRejected(String reason) {
    return new Reply(550, EnhancedStatus.of(5, 7, 1), "Message refused as spam: " + reason);
  }

  /** A virus scanner found {@code signature} in the message or an attachment (RFC 3463 §3.8: X.7.1). */
  public static Reply virusFound(String signature) {
    return new Reply(550, EnhancedStatus.of(5, 7, 1), "Message refused: it contains a virus (" + signature + ")");
  }

  /** A content filter's soft reject, or no verdict where the operator asked for a retry then. */
  public static Reply contentDeferred(String reason) {
    return new Reply(451, EnhancedStatus.of(4, 7, 1), "Message not accepted for now (" + reason + "), try again later");
  }

  /** RFC 5322 §3.6.2: a submitted message needs exactly one usable From: field. */
  public static Reply fromHeaderMissing() {
    return new Reply(550, EnhancedStatus.of(5, 6, 0), "Message has no valid From: header");
  }

  /** RFC 3463 X.7.0 temporary: the policy check could not be completed. */
  public static Reply policyUnavailable() {
    return new Reply(451, EnhancedStatus.of(4, 3, 0), "Temporary failure checking the sender, try again later");
  }

  // ---- Sequence and syntax -------------------------------------------------------------------

  /** RFC 5321 §4.2.4: unrecognized command. RFC 3463: X.5.1 invalid command. */
  public static Reply commandUnrecognized() {
    return new Reply(500, EnhancedStatus.of(5, 5, 1), "Command unrecognized");
  }

  /** RFC 5321 §4.2.4: recognized but not implemented. */
  public static Reply commandNotImplemented() {
    return new Reply(502, EnhancedStatus.of(5, 5, 1), "Command not implemented");
  }

  /** RFC 5321 §4.5.3.1.4: a command line is at most 512 octets including CRLF. */
  public static Reply lineTooLong() {
    return new Reply(500, EnhancedStatus.of(5, 5, 2), "Line too long");
  }

  /** RFC 5321 §2.3.8: a line that is not valid UTF-8 or holds control characters. */
  public static Reply badCommandSyntax() {
    return new Reply(500, EnhancedStatus.of(5, 5, 2), "Syntax error");
  }

  /** RFC 3463: X.5.4 invalid command arguments. */
  public static Reply syntax(String usage) {
    return new Reply(501, EnhancedStatus.of(5, 5, 4), "Syntax: " + usage);
  }

  /** RFC 3463: X.1.7 bad sender's mailbox address syntax. */
  public static Reply badSenderSyntax(String reason) {
    return new Reply(501, EnhancedStatus.of(5, 1, 7), "Bad sender address syntax: " + reason);
  }

  /** RFC 3463: X.1.3 bad destination mailbox address syntax. */
  public static Reply badRecipientSyntax(String reason) {
    return new Reply(501, EnhancedStatus.of(5, 1, 3), "Bad recipient address syntax: " + reason);
  }

  /** RFC 5321 §4.1.1.11 / RFC 3463 X.5.4: parameter not recognized. */
  public static Reply unsupportedParameter(String keyword) {
    return new Reply(555, EnhancedStatus.of(5, 5, 4), "Unsupported parameter: " + keyword);
  }

  /** A known parameter with a bad value. */
  public static Reply badParameterValue(String keyword) {
    return new Reply(501, EnhancedStatus.of(5, 5, 4), "Invalid value for parameter " + keyword);
  }

  /** A parameter given twice. */
  public static Reply duplicateParameter(String keyword) {
    return new Reply(501, EnhancedStatus.of(5, 5, 4), "Parameter given twice: " + keyword);
  }

  /** RFC 6531 §3.5: a UTF-8 address without SMTPUTF8 on MAIL. */
  public static Reply needsSmtpUtf8() {
    return new Reply(
        553, EnhancedStatus.of(5, 6, 7), "Non-ASCII address requires the SMTPUTF8 parameter");
  }

  /** RFC 5321 §4.1.4 / RFC 3463 X.5.1. */
  public static Reply badSequence(String what) {
    return new Reply(503, EnhancedStatus.of(5, 5, 1), "Bad sequence of commands: " + what);
  }

  public static Reply needHelo() {
    return badSequence("send HELO/EHLO first");
  }

  public static Reply needMail() {
    return badSequence("need MAIL before RCPT");
  }

  public static Reply needRecipients() {
    return badSequence("need RCPT before DATA");
  }

  public static Reply nestedMail() {
    return badSequence("nested MAIL command");
  }

  public static Reply notInTransaction() {
    return badSequence("not allowed inside a mail transaction");
  }

  /** RFC 3030 §3: DATA and BDAT do not mix in one transaction. */
  public static Reply mixedDataAndBdat() {
    return badSequence("DATA and BDAT cannot be mixed in one transaction");
  }

  // ---- Limits and content --------------------------------------------------------------------

  /** RFC 5321 §4.5.3.1.10 / RFC 3463 X.5.3. */
  public static Reply tooManyRecipients() {
    return new Reply(452, EnhancedStatus.of(4, 5, 3), "Too many recipients");
  }

  /**
   * A local pickup request ({@code hikyaku sendmail}) naming more recipients than one message may
   * have: permanent, as the same request would fail again. RFC 3463 X.5.3.
   */
  public static Reply tooManyRecipientsForOneMessage(int max) {
    return new Reply(552, EnhancedStatus.of(5, 5, 3), "Too many recipients (at most " + max + ")");
  }

  /** A local pickup request the client sent wrong: the pickup protocol's own syntax. RFC 3463 X.5.2. */
  public static Reply badPickupRequest(String problem) {
    return new Reply(501, EnhancedStatus.of(5, 5, 2), "Bad request: " + problem);
  }

  /** A Unix user not among {@code sendmail.users}. RFC 3463 X.7.1: delivery not authorized. */
  public static Reply localUserNotAllowed(String user) {
    return new Reply(550, EnhancedStatus.of(5, 7, 1), "Local user " + user + " may not submit mail here");
  }

  /** RFC 1870 §6.2 / RFC 3463 X.3.4. */
  public static Reply messageTooBig() {
    return new Reply(
        552, EnhancedStatus.of(5, 3, 4), "Message size exceeds fixed maximum message size");
  }

  /**
   * RFC 5321 §2.3.8: lines end with CRLF, and nothing else ends the data (SMTP smuggling,
   * CVE-2023-51764 class). RFC 3463: X.6.0 other media error.
   */
  public static Reply bareLineEnding() {
    return new Reply(
        554, EnhancedStatus.of(5, 6, 0), "Message rejected: bare CR or LF in message data");
  }

  /** RFC 6152 §3 and RFC 5322 §2.1: NUL is not allowed in message data. */
  public static Reply nulInData() {
    return new Reply(554, EnhancedStatus.of(5, 6, 0), "Message rejected: NUL octet in message data");
  }

  /** RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets including CRLF. */
  public static Reply dataLineTooLong() {
    return new Reply(
        554, EnhancedStatus.of(5, 6, 0), "Message rejected: line longer than 1000 octets");
  }

  /**
   * A header field (folded lines included) over {@link HeaderScan#MAX_FIELD_OCTETS}: a limit of ours,
   * so RFC 5321 §4.2.2's 552 (exceeded storage allocation) with RFC 3463 X.3.4 (too big for system).
   */
  public static Reply headerFieldTooLong() {
    return new Reply(
        552, EnhancedStatus.of(5, 3, 4), "Message rejected: a header field is longer than " + HeaderScan.MAX_FIELD_OCTETS + " octets");
  }

  /** RFC 5321 §6.3: too many Received fields means a loop. RFC 3463: X.4.6 routing loop detected. */
  public static Reply tooManyHops() {
    return new Reply(
        554, EnhancedStatus.of(5, 4, 6), "Message rejected: routing loop detected (more than " + HeaderScan.MAX_HOPS + " hops)");
  }

  /**
   * RFC 6532 §3.2: a header section may hold non-ASCII text only as well-formed UTF-8. Refused on
   * submission, where the sender can fix it (RFC 6409 §8); RFC 3463 X.6.0 other media error.
   */
  public static Reply headerNotUtf8() {
    return new Reply(554, EnhancedStatus.of(5, 6, 0), "Message rejected: header section is not valid UTF-8 (RFC 6532)");
  }

  /** RFC 3463 X.3.0: the store failed. The client keeps the message and retries. */
  public static Reply localError() {
    return new Reply(451, EnhancedStatus.of(4, 3, 0), "Local error in processing, try again later");
  }

  /** RFC 3463 X.3.1: mail system full. */
  public static Reply insufficientStorage() {
    return new Reply(452, EnhancedStatus.of(4, 3, 1), "Insufficient system storage");
  }

  // ---- Policy --------------------------------------------------------------------------------

  /** RFC 3463 X.7.1: delivery not authorized; the relay-for-strangers refusal. */
  public static Reply relayDenied(ForwardPath recipient) {
    return new Reply(554, EnhancedStatus.of(5, 7, 1), recipient + ": Relay access denied");
  }

  /**
   * RFC 3463 X.1.3: a recipient of a domain delivered here whose local part can never name one of
   * its mailboxes; {@code problem} completes "its local part ..." (refused at RCPT rather than
   * accepted and bounced to a sender nobody verified).
   */
  public static Reply badMailboxName(ForwardPath recipient, String problem) {
    return new Reply(550, EnhancedStatus.of(5, 1, 3), recipient + ": Bad destination mailbox address: its local part " + problem);
  }

  /**
   * RFC 3463 X.1.1: an address at the returns domain that is no return path of ours (a forged,
   * altered or truncated token, or a made-up name): refused at RCPT, so nothing forged is queued.
   */
  public static Reply noSuchReturnPath(ForwardPath recipient) {
    return new Reply(550, EnhancedStatus.of(5, 1, 1), recipient + ": Bad destination mailbox address: no such return path");
  }

  /**
   * RFC 3463 X.1.1: a hosted domain has no such mailbox (no account, alias or recipient list entry
   * here, or its next hop refused it): refused at RCPT, so no mail for it is queued and bounced to
   * a sender nobody verified (backscatter). Postfix's wording, which log readers know.
   */
  public static Reply userUnknown(ForwardPath recipient) {
    return new Reply(550, EnhancedStatus.of(5, 1, 1), recipient + ": Recipient address rejected: User unknown");
  }

  /**
   * RFC 3463 X.3.0: the recipient could not be looked up in our own store (it is unavailable);
   * Postfix's "Temporary lookup failure". The client tries again later.
   */
  public static Reply recipientLookupFailed(ForwardPath recipient) {
    return new Reply(451, EnhancedStatus.of(4, 3, 0), recipient + ": Temporary lookup failure; try again later");
  }

  /**
   * RFC 3463 X.4.3, directory server failure ("useful only as a persistent transient error"): the
   * next hop that holds a hosted domain's mailboxes could not say in time whether the recipient
   * exists. A temporary refusal rather than a blind 250: the client tries again later.
   */
  public static Reply recipientVerificationUnavailable(ForwardPath recipient) {
    return new Reply(450, EnhancedStatus.of(4, 4, 3), recipient + ": Recipient address verification unavailable; try again later");
  }

  /**
   * RFC 3463 X.1.1: bad destination mailbox, as the remote server said (or an operator decided)
   * when the recipient went on the suppression list; refused at RCPT rather than sent again and
   * bounced again. {@code since} is shown to the second in UTC, {@code why} is "hard bounce",
   * "complaint" or "added by an administrator".
   */
  public static Reply suppressed(ForwardPath recipient, Instant since, String why) {
    return new Reply(550, EnhancedStatus.of(5, 1, 1), recipient + ": Recipient address is on the suppression list since "
        + since.truncatedTo(ChronoUnit.SECONDS) + " (" + why + ")");
  }

  /** Over a per-minute transaction rate (RFC 3463 X.7.1: delivery not authorized, for now). */
  public static Reply messageRateExceeded(String who, int limit) {
    return new Reply(450, EnhancedStatus.of(4, 7, 1), "Message rate limit reached for " + who + ": " + limit + " per minute; try again later");
  }

  /** Over a per-minute recipient rate (RFC 5321 §4.5.3.1.10: 452 for too many recipients). */
  public static Reply recipientRateExceeded(String who, int limit) {
    return new Reply(452, EnhancedStatus.of(4, 5, 3), "Recipient rate limit reached for " + who + ": " + limit + " per minute; try again later");
  }

  /** An account's hourly or daily quota is used up. */
  public static Reply quotaExceeded(String account, int limit, String period) {
    return new Reply(451, EnhancedStatus.of(4, 7, 1), "Sending quota reached for " + account + ": " + limit + " messages per " + period);
  }

  /** Over an API key's own per-minute rate (which only narrows its account's): as {@link #messageRateExceeded}. */
  public static Reply apiKeyMessageRateExceeded(String apiKey, int limit) {
    return messageRateExceeded("API key " + apiKey, limit);
  }

  /** An API key's own daily quota is used up (its account may have more): as {@link #quotaExceeded}. */
  public static Reply apiKeyQuotaExceeded(String apiKey, int limit) {
    return quotaExceeded("API key " + apiKey, limit, "day");
  }

  /** Compromised-account detection suspended the account from sending. */
  public static Reply accountSuspended(String account) {
    return new Reply(
        550,
        EnhancedStatus.of(5, 7, 1),
        "Account " + account + " is suspended for unusual sending activity; contact your administrator");
  }

  // ---- Closing the connection ----------------------------------------------------------------

  /** RFC 5321 §4.5.3.2 timeouts. RFC 3463 X.4.2 bad connection. */
  public static Reply timeout(String hostname) {
    return new Reply(421, EnhancedStatus.of(4, 4, 2), hostname + " Error: timeout exceeded");
  }

  /**
   * A fault in the server itself ended the session (RFC 3463 X.3.0): the client keeps what it has
   * not seen a 250 for and tries again later.
   */
  public static Reply internalError(String hostname) {
    return new Reply(421, EnhancedStatus.of(4, 3, 0), hostname + " Error: internal error, closing connection");
  }

  /** Too many errors in one session. */
  public static Reply tooManyErrors(String hostname) {
    return new Reply(421, EnhancedStatus.of(4, 7, 0), hostname + " Error: too many errors");
  }

  public static Reply tooManyConnections(String hostname) {
    return new Reply(421, EnhancedStatus.of(4, 7, 0), hostname + " Error: too many connections");
  }

  public static Reply tooManyConnectionsPerMinute(String hostname) {
    return new Reply(
        421, EnhancedStatus.of(4, 7, 0), hostname + " Error: too many connections per minute from your address");
  }

  public static Reply tooManyConnectionsFromClient(String hostname) {
    return new Reply(
        421,
        EnhancedStatus.of(4, 7, 0),
        hostname + " Error: too many connections from your address");
  }

  /** RFC 3463 X.3.2: system not accepting network messages. */
  public static Reply shuttingDown(String hostname) {
    return new Reply(421, EnhancedStatus.of(4, 3, 2), hostname + " Service shutting down");
  }

  /** The client's address or network is blocked for failed logins (RFC 3463 X.7.0). */
  public static Reply sourceBlocked(String hostname, String until) {
    return new Reply(
        421, EnhancedStatus.of(4, 7, 0), hostname + " Too many failed logins from your network; blocked until " + until);
  }

  /** Over the per-address AUTH rate (RFC 3463 X.7.0). */
  public static Reply tooManyAuthAttempts(String hostname) {
    return new Reply(
        421, EnhancedStatus.of(4, 7, 0), hostname + " Too many authentication attempts from your address; try again later");
  }

  /** The client spoke before the greeting (RFC 5321 §3.1: it must wait for it). */
  public static Reply earlyTalker(String hostname) {
    return new Reply(
        554, EnhancedStatus.of(5, 5, 1), hostname + " Protocol error: client spoke before greeting");
  }
}
