package dev.hikyaku.protocol;

import java.util.List;

/** The envelope of one mail transaction (RFC 5321 §2.3.1): who it is from and whom it is for. */
public record Envelope(ReversePath from, MailParams params, List<Recipient> recipients) {

  public Envelope {
    recipients = List.copyOf(recipients);
    if (recipients.isEmpty()) {
      throw new IllegalArgumentException("an envelope has at least one recipient");
    }
  }

  /** One accepted RCPT. */
  public record Recipient(ForwardPath to, RcptParams params) {}
}
