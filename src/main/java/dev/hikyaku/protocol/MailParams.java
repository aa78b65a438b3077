package dev.hikyaku.protocol;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.StringJoiner;

/**
 * The ESMTP parameters of MAIL FROM this server understands.
 *
 * @param size RFC 1870 declared size, if given
 * @param body RFC 6152 body type; 7BIT when not given
 * @param isSmtpUtf8 RFC 6531 §3.4: the transaction may carry UTF-8 addresses and headers
 * @param auth RFC 4954 §5 {@code AUTH=} mailbox (xtext-decoded), or empty; "<>" means unknown
 * @param ret RFC 3461 §4.3 {@code RET=}: full message or headers only in a DSN
 * @param envId RFC 3461 §4.4 {@code ENVID=} (xtext-decoded): the sender's id for the envelope,
 *     returned in every DSN as Original-Envelope-Id
 * @param isRequireTls RFC 8689 {@code REQUIRETLS}: every hop must be verified TLS to a server that
 *     offers REQUIRETLS too, else the message is returned (5.7.10)
 */
public record MailParams(
    OptionalLong size,
    Body body,
    boolean isSmtpUtf8,
    Optional<String> auth,
    Optional<Ret> ret,
    Optional<String> envId,
    boolean isRequireTls) {

  public static final MailParams NONE =
      new MailParams(OptionalLong.empty(), Body.SEVEN_BIT, false, Optional.empty(), Optional.empty(), Optional.empty(), false);

  public MailParams {
    Objects.requireNonNull(size, "size");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(auth, "auth");
    Objects.requireNonNull(ret, "ret");
    Objects.requireNonNull(envId, "envId");
  }

  /** The parameters as they would be written after MAIL FROM:&lt;...&gt;, for the queue. */
  public String toWire() {
    StringJoiner wire = new StringJoiner(" ");
    size.ifPresent(s -> wire.add("SIZE=" + s));
    if (body != Body.SEVEN_BIT) {
      wire.add("BODY=" + body.keyword());
    }
    if (isSmtpUtf8) {
      wire.add("SMTPUTF8");
    }
    auth.ifPresent(a -> wire.add("AUTH=" + Xtext.encode(a)));
    ret.ifPresent(r -> wire.add("RET=" + r.name()));
    envId.ifPresent(e -> wire.add("ENVID=" + Xtext.encode(e)));
    if (isRequireTls) {
      wire.add("REQUIRETLS");
    }
    return wire.toString();
  }

  /**
   * Reads back what {@link #toWire} wrote (the queue keeps parameters in wire form), with the same
   * parser MAIL FROM goes through, every extension allowed.
   *
   * @throws IllegalArgumentException naming {@code wire} when it is not valid MAIL parameters
   */
  public static MailParams parse(String wire) {
    return CommandParser.storedMailParams(wire);
  }
}
