package dev.hikyaku.delivery;

import dev.hikyaku.protocol.DeliveryReasons;
import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.Xtext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mail transaction as the client speaks it (RFC 5321 §3.3), without a socket: the MAIL and RCPT
 * commands for a message, and what the server's replies make of each recipient. {@link
 * OutboundSession} writes and reads; the decisions are here, so that they are tested reply by reply.
 */
final class ClientTransaction {

  private static final Logger log = LoggerFactory.getLogger(OutboundSession.class);

  private ClientTransaction() {}

  /** What follows the replies to MAIL, RCPT and DATA. */
  enum Content {
    /** DATA got 354 and some recipient was accepted: send the message, then read the replies to its end. */
    SEND,
    /**
     * DATA got 354 though no recipient was accepted (a pipelined group, RFC 2920 §3.1): the server
     * must not be left waiting for content, and must not get the message either: end the data at once.
     */
    END_EMPTY,
    /** DATA was not sent or not accepted: the transaction is over. */
    NONE
  }

  /**
   * What the replies before the content decide.
   *
   * @param attempts an outcome for each recipient the replies decided, in the order of the
   *     recipients; null for each recipient in {@code accepted}, whose outcome waits on the content
   * @param accepted the indices of the recipients the server accepted and the content will decide
   * @param content what the session does next
   */
  record BeforeContent(Attempt[] attempts, List<Integer> accepted, Content content) {}

  /**
   * Why the message cannot go to this server at all, decided before anything is sent: 8-bit or
   * SMTPUTF8 content the server cannot take, or a size over its SIZE limit (RFC 1870 §4). Every
   * recipient fails with it.
   */
  static Optional<DeliveryStatus> localRefusal(
      Outbound message, Map<String, String> extensions, DeliveryStatus.RemoteMta remoteMta) {
    if (message.isEightBit() && !extensions.containsKey("8BITMIME")) {
      return Optional.of(DeliveryReasons.needsEightBitMime().at(remoteMta));
    }
    if (message.isSmtpUtf8() && !extensions.containsKey("SMTPUTF8")) {
      return Optional.of(DeliveryReasons.needsSmtpUtf8().at(remoteMta));
    }
    if (message.isRequireTls() && !extensions.containsKey("REQUIRETLS")) {
      return Optional.of(DeliveryReasons.requireTlsNotPossible(
          "the server does not offer REQUIRETLS, and the sender asked for it (RFC 8689 §4.2.1)").at(remoteMta));
    }
    long limit = sizeLimit(extensions, remoteMta);
    if (limit > 0 && message.content().length > limit) {
      return Optional.of(DeliveryReasons.tooBigForServer(message.content().length, limit).at(remoteMta));
    }
    return Optional.empty();
  }

  /** The server's fixed SIZE limit (RFC 1870 §4), or 0 when it announces none. */
  private static long sizeLimit(Map<String, String> extensions, DeliveryStatus.RemoteMta remoteMta) {
    String size = extensions.get("SIZE");
    if (size == null || size.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseLong(size.split("\\s+")[0]);
    } catch (NumberFormatException e) {
      log.debug("{} announced an unreadable SIZE \"{}\"; ignoring it", remoteMta.relay(), size);
      return 0;
    }
  }

  /** MAIL FROM with the parameters the message needs and the server offers. */
  static String mailCommand(Outbound message, Map<String, String> extensions) {
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
    if (message.isRequireTls()) {
      mail.append(" REQUIRETLS"); // RFC 8689 §4.2.1; offered, or localRefusal failed it already
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
  static String rcptCommand(Outbound message, int index, Map<String, String> extensions) {
    String rcpt = "RCPT TO:<" + message.recipients().get(index) + ">";
    String dsn = message.recipientParameters().get(index).toWire();
    return extensions.containsKey("DSN") && !dsn.isEmpty() ? rcpt + " " + dsn : rcpt;
  }

  /**
   * What the replies to MAIL, the RCPTs and DATA decide. A refused MAIL decides everyone; a refused
   * RCPT decides its recipient; a DATA reply other than 354 decides every accepted recipient.
   *
   * @param rcpts the reply to each recipient's RCPT; null where none was read (after a refused MAIL
   *     without pipelining, or after a 421)
   * @param data the reply to DATA; null where none was read (DATA was not sent)
   */
  static BeforeContent beforeContent(
      List<String> recipients, SmtpReply mail, SmtpReply[] rcpts, SmtpReply data, DeliveryStatus.RemoteMta remoteMta) {
    String server = remoteMta.relay();
    Attempt[] attempts = new Attempt[recipients.size()];
    List<Integer> accepted = new ArrayList<>();
    if (!mail.isPositive()) {
      // A refused MAIL decides everyone; in a pipelined group the RCPT replies are then only 503s.
      decideAll(recipients, attempts, "MAIL FROM", mail, remoteMta);
    } else {
      for (int i = 0; i < recipients.size(); i++) {
        SmtpReply rcpt = rcpts[i];
        if (rcpt == null) {
          attempts[i] = new Attempt(recipients.get(i), DeliveryReasons.connectionLost(server + " closed the connection before RCPT TO").at(remoteMta));
        } else if (rcpt.isPositive()) {
          accepted.add(i);
        } else {
          attempts[i] = refused(recipients.get(i), "RCPT TO", rcpt, remoteMta);
        }
      }
    }
    if (data != null && data.code() == 354) {
      return new BeforeContent(attempts, List.copyOf(accepted), accepted.isEmpty() ? Content.END_EMPTY : Content.SEND);
    }
    for (int i : accepted) {
      attempts[i] = data == null
          ? new Attempt(recipients.get(i), DeliveryReasons.connectionLost(server + " gave no reply to DATA").at(remoteMta))
          : refused(recipients.get(i), "DATA", data, remoteMta);
    }
    return new BeforeContent(attempts, List.of(), Content.NONE);
  }

  /** What a reply to the end of the data makes of an accepted recipient (RFC 2033 §4.2: one each under LMTP). */
  static Attempt afterContent(String recipient, SmtpReply end, DeliveryStatus.RemoteMta remoteMta) {
    return end.isPositive() ? new Attempt(recipient, end.status(remoteMta)) : refused(recipient, "end of data", end, remoteMta);
  }

  /** RFC 5321 §3.8: whether any reply of the transaction says the server is closing the connection (421). */
  static boolean isClosing(SmtpReply mail, SmtpReply[] rcpts, SmtpReply data) {
    return mail.code() == 421 || (data != null && data.code() == 421)
        || Arrays.stream(rcpts).anyMatch(r -> r != null && r.code() == 421);
  }

  /** Every recipient decided by one reply to one step (a refused MAIL or RSET). */
  static List<Attempt> decideAll(
      List<String> recipients, Attempt[] attempts, String step, SmtpReply reply, DeliveryStatus.RemoteMta remoteMta) {
    for (int i = 0; i < recipients.size(); i++) {
      attempts[i] = refused(recipients.get(i), step, reply, remoteMta);
    }
    return List.of(attempts);
  }

  /**
   * A step that did not succeed: the reply's class says deferred or failed (SmtpReply#refusal); a
   * 2yz here (DATA answered 250 instead of 354) delivered nothing and defers.
   */
  private static Attempt refused(String recipient, String step, SmtpReply reply, DeliveryStatus.RemoteMta remoteMta) {
    log.debug("{} answered {} for <{}> with {}", remoteMta.relay(), step, recipient, reply);
    return new Attempt(recipient, reply.refusal(remoteMta));
  }
}
