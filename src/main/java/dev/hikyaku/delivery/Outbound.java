package dev.hikyaku.delivery;

import dev.hikyaku.protocol.RcptParams;
import dev.hikyaku.protocol.Ret;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One message to hand to one server: the envelope and the content as stored.
 *
 * @param reversePath the MAIL FROM address without angle brackets; "" is the null path {@code <>}
 *     (bounces, RFC 5321 §4.5.5)
 * @param recipients forward-paths without angle brackets, at least one
 * @param content the message (RFC 5322 header and body) before dot-stuffing; lines end in CRLF (a
 *     bare CR or LF is sent as CRLF, RFC 5321 §2.3.8)
 * @param isEightBit whether the body has octets above 127 and needs {@code BODY=8BITMIME} (RFC 6152)
 * @param isSmtpUtf8 whether the envelope or header needs {@code SMTPUTF8} (RFC 6531)
 * @param envId the RFC 3461 envelope id, sent as {@code ENVID} when the server offers DSN
 * @param ret RFC 3461 §4.3 {@code RET}, sent when the server offers DSN
 * @param recipientParameters the RFC 3461 NOTIFY and ORCPT of each recipient, in the order of
 *     {@code recipients}, sent with RCPT TO when the server offers DSN (§5.2.1: a DSN-capable next
 *     hop gets them as received)
 * @param isRequireTls RFC 8689 {@code REQUIRETLS}: sent on MAIL FROM; only to a server that offers
 *     it, over TLS whose certificate was verified
 */
public record Outbound(
    String reversePath,
    List<String> recipients,
    byte[] content,
    boolean isEightBit,
    boolean isSmtpUtf8,
    Optional<String> envId,
    Optional<Ret> ret,
    List<RcptParams> recipientParameters,
    boolean isRequireTls) {

  /** A message without REQUIRETLS. */
  public Outbound(String reversePath, List<String> recipients, byte[] content, boolean isEightBit, boolean isSmtpUtf8,
      Optional<String> envId, Optional<Ret> ret, List<RcptParams> recipientParameters) {
    this(reversePath, recipients, content, isEightBit, isSmtpUtf8, envId, ret, recipientParameters, false);
  }

  /** A message without DSN parameters. */
  public Outbound(
      String reversePath, List<String> recipients, byte[] content, boolean isEightBit, boolean isSmtpUtf8, Optional<String> envId) {
    this(reversePath, recipients, content, isEightBit, isSmtpUtf8, envId, Optional.empty(),
        recipients.stream().map(r -> RcptParams.NONE).toList());
  }

  public Outbound {
    Objects.requireNonNull(reversePath, "reversePath");
    Objects.requireNonNull(content, "content");
    Objects.requireNonNull(envId, "envId");
    Objects.requireNonNull(ret, "ret");
    recipients = List.copyOf(recipients);
    recipientParameters = List.copyOf(recipientParameters);
    if (recipients.isEmpty()) {
      throw new IllegalArgumentException("an outbound message needs at least one recipient");
    }
    if (recipientParameters.size() != recipients.size()) {
      throw new IllegalArgumentException(
          recipients.size() + " recipients but " + recipientParameters.size() + " sets of RCPT parameters");
    }
    // These strings go into command lines: a CR, LF or bracket would let a stored address inject
    // commands or break the path syntax (RFC 5321 §4.1.2).
    checkPath("reverse-path", reversePath);
    for (String recipient : recipients) {
      if (recipient.isEmpty()) {
        throw new IllegalArgumentException("empty forward-path");
      }
      checkPath("forward-path", recipient);
    }
    envId.ifPresent(id -> checkPath("envid", id));
  }

  private static void checkPath(String what, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\r' || c == '\n' || c == '<' || c == '>' || c == '\0') {
        throw new IllegalArgumentException(
            what + " \"" + value.replace("\r", "\\r").replace("\n", "\\n").replace("\0", "\\0")
                + "\" contains a character not allowed in a command line");
      }
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Outbound that
        && reversePath.equals(that.reversePath)
        && recipients.equals(that.recipients)
        && Arrays.equals(content, that.content)
        && isEightBit == that.isEightBit
        && isSmtpUtf8 == that.isSmtpUtf8
        && envId.equals(that.envId)
        && ret.equals(that.ret)
        && recipientParameters.equals(that.recipientParameters);
  }

  @Override
  public int hashCode() {
    return Objects.hash(reversePath, recipients, isEightBit, isSmtpUtf8, envId, ret, recipientParameters) + 31 * Arrays.hashCode(content);
  }

  /** The envelope without the content, which may be large or private. */
  @Override
  public String toString() {
    return "Outbound[reversePath=<" + reversePath + ">, recipients=" + recipients + ", size="
        + content.length + ", isEightBit=" + isEightBit + ", isSmtpUtf8=" + isSmtpUtf8 + ", envId="
        + envId + ", ret=" + ret + ", recipientParameters=" + recipientParameters + "]";
  }
}
