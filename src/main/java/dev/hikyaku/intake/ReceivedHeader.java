package dev.hikyaku.intake;

import dev.hikyaku.protocol.Envelope;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The Received trace header (RFC 5321 §4.4), folded as RFC 5322 §2.2.3 allows, with the protocol
 * named as RFC 3848 and RFC 6531 §3.7.3 register it (ESMTP, ESMTPS, ESMTPA, ESMTPSA, UTF8SMTP...).
 */
final class ReceivedHeader {

  // RFC 5322 §3.3 date-time with a numeric zone.
  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.US).withZone(ZoneOffset.UTC);

  private ReceivedHeader() {}

  static byte[] of(MessageSource.Smtp source, String hostname, String queueId, Envelope envelope, Instant at) {
    StringBuilder header = new StringBuilder(256);
    // From-domain = "FROM" FWS Extended-Domain; TCP-info holds the address we saw.
    header.append("Received: from ").append(source.heloName()).append(" (").append(literal(source.client().getAddress())).append(")\r\n");
    header.append("\tby ").append(hostname).append(" (Hikyaku) with ").append(protocol(source, envelope));
    header.append(" id ").append(queueId);
    source
        .tls()
        .ifPresent(tls -> header.append("\r\n\t(using ").append(tls.protocol()).append(" with cipher ").append(tls.cipherSuite()).append(')'));
    return finish(header, envelope, at);
  }

  /**
   * For a message submitted over the HTTP API. There is no EHLO, so the from clause is the
   * address-literal form of RFC 5321 §4.4 {@code Extended-Domain}: the address we saw, as the name
   * and as TCP-info. There is no with clause: the IANA Mail Transmission Types registry (RFC 5321
   * §8, RFC 3848) has no entry for HTTP or HTTPS, and §4.4 says servers SHOULD NOT use unregistered
   * names; Opt-info makes the clause optional. A comment says how the message came instead.
   */
  static byte[] api(MessageSource.Api source, String hostname, String queueId, Envelope envelope, Instant at) {
    StringBuilder header = new StringBuilder(256);
    String literal = literal(source.client());
    header.append("Received: from ").append(literal).append(" (").append(literal).append(")\r\n");
    header.append("\tby ").append(hostname).append(" (Hikyaku) id ").append(queueId);
    header.append("\r\n\t(").append(source.isTls() ? "HTTPS" : "HTTP").append(" API submission)");
    return finish(header, envelope, at);
  }

  /** RFC 5321 §4.1.3 address-literal. */
  private static String literal(InetAddress client) {
    String address = client.getHostAddress();
    return client instanceof Inet6Address ? "[IPv6:" + address + "]" : "[" + address + "]";
  }

  private static byte[] finish(StringBuilder header, Envelope envelope, Instant at) {
    // RFC 5321 §7.6: naming one recipient is fine; naming several would disclose Bcc recipients.
    if (envelope.recipients().size() == 1) {
      header.append("\r\n\tfor ").append(envelope.recipients().getFirst().to());
    }
    header.append("; ").append(DATE.format(at)).append("\r\n");
    return header.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** RFC 5321 §4.4: a message made here has no "from" clause, only who stamped it and when. */
  static byte[] local(String hostname, String queueId, Instant at) {
    return ("Received: by " + hostname + " (Hikyaku) id " + queueId + "; " + DATE.format(at) + "\r\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** A local user's submission (hikyaku sendmail), as Postfix's pickup writes it: the user id, no client. */
  static byte[] localUser(String user, String hostname, String queueId, Instant at) {
    String shown = user.replaceAll("[^A-Za-z0-9._-]", "?");
    return ("Received: by " + hostname + " (Hikyaku, from userid " + shown + ") id " + queueId + "; " + DATE.format(at) + "\r\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  static String protocol(MessageSource.Smtp source, Envelope envelope) {
    String base = envelope.params().isSmtpUtf8() ? "UTF8SMTP" : source.isEsmtp() ? "ESMTP" : "SMTP";
    if (base.equals("SMTP")) {
      return base; // RFC 3848 registers S and A suffixes for ESMTP only
    }
    return base + (source.tls().isPresent() ? "S" : "") + (source.principal().isPresent() ? "A" : "");
  }
}
