package dev.hikyaku.api;

import dev.hikyaku.intake.HeaderEnvelope;
import dev.hikyaku.protocol.Envelope;
import dev.hikyaku.protocol.RcptParams;
import dev.hikyaku.protocol.ReversePath;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The envelope of {@code POST /v1/messages/raw} ({@link MessageSend}): from the query ({@code
 * from}, repeated {@code to}) or else from the message's own header, as {@code sendmail -t}
 * reads it; and the message's line ends made CRLF.
 */
final class RawEnvelope {

  private RawEnvelope() {}

  static ReversePath sender(ApiRequest request, byte[] content) throws Refusal {
    List<String> given = request.queryValues("from");
    if (given.size() > 1) {
      throw new Refusal(QueryParameters.invalid("from", "given " + given.size() + " times; a message has one sender"));
    }
    Optional<String> address = given.stream().findFirst().or(() -> HeaderEnvelope.sender(content));
    if (address.isEmpty()) {
      throw new Refusal(Problems.invalid(List.of(new Problem.FieldError(
          "", "no sender: give ?from= or a From: field with one mailbox (RFC 5322 §3.6.2)"))));
    }
    try {
      return new ReversePath(Optional.of(SendRequest.mailbox(address.get()).mailbox()));
    } catch (IllegalArgumentException e) {
      throw given.isEmpty()
          ? new Refusal(Problems.invalid(List.of(new Problem.FieldError("", "From: " + e.getMessage()))))
          : new Refusal(QueryParameters.invalid("from", e.getMessage()));
    }
  }

  /** @param max {@code limits.max-recipients} */
  static List<Envelope.Recipient> recipients(ApiRequest request, byte[] content, int max) throws Refusal {
    List<String> given = request.queryValues("to");
    boolean isFromQuery = !given.isEmpty();
    List<String> addresses;
    if (isFromQuery) {
      addresses = given;
    } else {
      Optional<List<String>> header = HeaderEnvelope.recipients(content);
      if (header.isEmpty()) {
        throw new Refusal(Problems.invalid(List.of(new Problem.FieldError(
            "", "a To:, Cc: or Bcc: field is not an address list (RFC 5322 §3.4); give the recipients as ?to="))));
      }
      addresses = header.get();
    }
    if (addresses.isEmpty()) {
      throw new Refusal(Problems.invalid(List.of(new Problem.FieldError(
          "", "no recipients: give ?to= (repeated) or To:, Cc: or Bcc: fields"))));
    }
    if (addresses.size() > max) {
      throw new Refusal(Problems.invalid(List.of(new Problem.FieldError(
          "", addresses.size() + " recipients; at most " + max))));
    }
    List<Envelope.Recipient> recipients = new ArrayList<>();
    List<Problem.FieldError> errors = new ArrayList<>();
    for (int i = 0; i < addresses.size(); i++) {
      try {
        recipients.add(new Envelope.Recipient(SendRequest.mailbox(addresses.get(i)), RcptParams.NONE));
      } catch (IllegalArgumentException e) {
        if (isFromQuery) {
          throw new Refusal(QueryParameters.invalid("to", "value " + (i + 1) + ": " + e.getMessage()));
        }
        errors.add(new Problem.FieldError("", "recipient from the header: " + e.getMessage()));
      }
    }
    if (!errors.isEmpty()) {
      throw new Refusal(Problems.invalid(errors));
    }
    return recipients;
  }

  /**
   * {@code body} with CRLF line ends, as intake and the SMTP data checks require (RFC 5322 §2.1):
   * a file saved on Unix ends lines with LF alone, and that is no smuggling risk over HTTP, so a
   * bare LF or CR becomes CRLF (as sendmail does for local submission) instead of being refused.
   * A last line without its end gets one.
   */
  static byte[] canonicalLineEnds(byte[] body) {
    ByteArrayOutputStream out = null;
    for (int i = 0; i < body.length; i++) {
      byte b = body[i];
      boolean isCrlf = b == '\r' && i + 1 < body.length && body[i + 1] == '\n';
      boolean isBare = !isCrlf && (b == '\n' && (i == 0 || body[i - 1] != '\r') || b == '\r');
      if (isBare && out == null) {
        out = new ByteArrayOutputStream(body.length + body.length / 16);
        out.write(body, 0, i);
      }
      if (out != null) {
        if (isBare) {
          out.write('\r');
          out.write('\n');
        } else {
          out.write(b);
        }
      }
    }
    byte[] canonical = out == null ? body : out.toByteArray();
    boolean isEnded = canonical.length >= 2 && canonical[canonical.length - 2] == '\r' && canonical[canonical.length - 1] == '\n';
    if (isEnded || canonical.length == 0) {
      return canonical;
    }
    byte[] ended = Arrays.copyOf(canonical, canonical.length + 2);
    ended[canonical.length] = '\r';
    ended[canonical.length + 1] = '\n';
    return ended;
  }
}
