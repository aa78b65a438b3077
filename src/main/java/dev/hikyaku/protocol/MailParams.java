package dev.hikyaku.protocol;

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
 */
public record MailParams(OptionalLong size, Body body, boolean isSmtpUtf8, Optional<String> auth) {

  public static final MailParams NONE =
      new MailParams(OptionalLong.empty(), Body.SEVEN_BIT, false, Optional.empty());

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
    return wire.toString();
  }
}
