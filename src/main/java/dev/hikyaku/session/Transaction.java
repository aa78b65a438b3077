package dev.hikyaku.session;

import dev.hikyaku.protocol.DataReader;
import dev.hikyaku.protocol.Envelope;
import dev.hikyaku.protocol.MailParams;
import dev.hikyaku.protocol.ReversePath;
import java.util.ArrayList;
import java.util.List;

/** One mail transaction, from MAIL to the end of its data or RSET (RFC 5321 §3.3). */
final class Transaction {

  final ReversePath from;
  final MailParams params;
  private final List<Envelope.Recipient> recipients = new ArrayList<>();
  /** RCPTs refused for being over the recipient limit (Postfix's "overshoot"). */
  private int overshoot;
  /** The BDAT chunks read so far (RFC 3030), or null while none has come. */
  private DataReader chunks;
  /** The time all the chunks together may take, from the first BDAT on. */
  private DataDeadline chunksDeadline;

  Transaction(ReversePath from, MailParams params) {
    this.from = from;
    this.params = params;
  }

  void add(Envelope.Recipient recipient) {
    recipients.add(recipient);
  }

  /** Counts one more RCPT over the limit; returns how many there have been. */
  int overshoot() {
    return ++overshoot;
  }

  int recipientCount() {
    return recipients.size();
  }

  boolean hasRecipients() {
    return !recipients.isEmpty();
  }

  boolean isChunking() {
    return chunks != null;
  }

  DataReader chunks(SessionSettings settings) {
    if (chunks == null) {
      chunks = DataReader.forChunks(settings.maxMessageSize());
      chunksDeadline = DataDeadline.start(settings);
    }
    return chunks;
  }

  /** The deadline of the chunks; call {@link #chunks} first. */
  DataDeadline chunksDeadline() {
    return chunksDeadline;
  }

  Envelope envelope() {
    return new Envelope(from, params, recipients);
  }
}
