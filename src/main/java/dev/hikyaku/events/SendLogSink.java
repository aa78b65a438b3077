package dev.hikyaku.events;

import dev.hikyaku.protocol.DeliveryStatus;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The send log: one INFO line under the logger {@code hikyaku.sendlog} when a message is accepted,
 * for every attempt per recipient, when a recipient expires, when a report goes to the sender and
 * when a message leaves the queue, in the form operators grep Postfix's log for:
 *
 * <pre>
 * 06H0C04DC7QEW2FP: from=&lt;a@example.com&gt;, size=1234, nrcpt=2 (smtp submission ...)
 * 06H0C04DC7QEW2FP: to=&lt;b@example.net&gt;, relay=mx.example.net[192.0.2.1]:25, delay=1.2, delays=0.01/0/0.3/0.9, tls=TLSv1.3 TLS_AES_256_GCM_SHA384, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ABC)
 * 06H0C04DC7QEW2FP: removed
 * </pre>
 *
 * {@code delays=a/b/c/d} as Postfix: a before this attempt (in the queue), b in the scheduler (0
 * here: it hands a due message on at once), c setting up the connection (DNS, greeting, EHLO, TLS,
 * AUTH), d the transaction. Text from outside (a remote reply) has its control characters replaced.
 */
public final class SendLogSink implements EventSink {

  private static final Logger log = LoggerFactory.getLogger("hikyaku.sendlog");

  @Override
  public void accept(Event event) {
    switch (event) {
      // The fields again as key-value pairs: the JSON log format (HIKYAKU_LOG_FORMAT=json) writes them
      // as members, so a log shipper needs no parsing of the line; the text format shows the line.
      case Event.MessageAccepted e -> log.atInfo()
          .addKeyValue("queue_id", e.queueId()).addKeyValue("client", e.client())
          .addKeyValue("sasl_username", e.principal().orElse(null)).addKeyValue("from", e.reversePath())
          .addKeyValue("size", e.size()).addKeyValue("nrcpt", e.recipients().size()).addKeyValue("source", e.source())
          .log("{}: client={}, {}from=<{}>, size={}, nrcpt={} (queued via {})",
              e.queueId(), clean(e.client()), e.principal().map(p -> "sasl_username=" + clean(p) + ", ").orElse(""),
              clean(e.reversePath()), e.size(), e.recipients().size(), clean(e.source()));
      case Event.DeliveryAttempted e -> log.atInfo()
          .addKeyValue("queue_id", e.queueId()).addKeyValue("to", e.recipient()).addKeyValue("relay", relay(e))
          .addKeyValue("delay", seconds(e.delay()))
          .addKeyValue("tls", e.facts().tls().map(t -> t.protocol() + " " + t.cipherSuite()).orElse("none"))
          .addKeyValue("dsn", e.status().status().toString()).addKeyValue("status", word(e.status()))
          .addKeyValue("reply", e.status().diagnostic().text())
          .log("{}: to=<{}>, relay={}, delay={}, delays={}/0/{}/{}, tls={}, dsn={}, status={} ({})",
              e.queueId(), clean(e.recipient()), relay(e),
              seconds(e.delay()), seconds(e.queued()), seconds(e.facts().connecting()), seconds(e.facts().transmitting()),
              e.facts().tls().map(t -> clean(t.protocol() + " " + t.cipherSuite())).orElse("none"), e.status().status(), word(e.status()),
              clean(e.status().diagnostic().text()));
      case Event.DeliveryExpired e -> log.atInfo()
          .addKeyValue("queue_id", e.queueId()).addKeyValue("to", e.recipient())
          .addKeyValue("dsn", e.status().status().toString()).addKeyValue("status", "expired")
          .addKeyValue("reply", e.status().diagnostic().text())
          .log("{}: to=<{}>, dsn={}, status=expired, returned to sender ({})",
              e.queueId(), clean(e.recipient()), e.status().status(), clean(e.status().diagnostic().text()));
      case Event.DsnQueued e -> log.info("{}: sender {} notification: {} to <{}>",
          e.queueId(), notification(e.action()), e.reportId(), clean(e.to()));
      case Event.RecipientSuppressed e -> log.info("{}: to=<{}>, suppressed for {} ({}: {})",
          e.queueId(), clean(e.recipient()), clean(e.senderDomain()), e.reason(), clean(e.diagnostic()));
      case Event.DsnReceived e -> log.info("{}: to=<{}>, dsn={}, status={}, reported after delivery by {} in {} ({})",
          e.queueId(), clean(e.recipient()), e.status(), e.action() == DeliveryStatus.Action.FAILED ? "bounced" : "deferred",
          e.remoteMta().map(SendLogSink::clean).orElse(e.isStandard() ? "a DSN" : "a non-standard bounce"), e.reportId(),
          clean(e.diagnostic()));
      case Event.ComplaintReceived e -> log.info("{}: to=<{}>, status=complained, feedback-type={} by {} in {}",
          e.queueId(), clean(e.recipient()), clean(e.feedbackType()),
          clean(e.userAgent().or(e::reportingMta).orElse("an unnamed reporter")), e.reportId());
      case Event.MessageRemoved e -> log.info("{}: removed", e.queueId());
      // The verdict, and what became of the message: told after its commit, before its own line.
      case Event.ContentScanned e -> log.atInfo()
          .addKeyValue("queue_id", e.queueId()).addKeyValue("spam_action", e.action())
          .addKeyValue("spam_score", e.score()).addKeyValue("spam_required", e.requiredScore())
          .addKeyValue("spam_symbols", String.join(",", e.symbols())).addKeyValue("outcome", e.outcome())
          .log("{}: content filter: {}, score={}/{}, {}{}", e.queueId(), clean(e.action()),
              String.format(Locale.ROOT, "%.2f", e.score()), String.format(Locale.ROOT, "%.2f", e.requiredScore()), e.outcome(),
              e.symbols().isEmpty() ? "" : " (" + clean(String.join(", ", e.symbols())) + ")");
      case Event.QueueAdministered e -> log.info("{}: {} by the administrator", e.queueId(), e.change().name().toLowerCase(Locale.ROOT));
      default -> {}
    }
  }

  /**
   * The server talked to; {@code maildir} for a local mailbox (Postfix writes {@code local}), {@code
   * returns} for the returns domain's reader; else none.
   */
  private static String relay(Event.DeliveryAttempted e) {
    return e.status().remoteMta().map(DeliveryStatus.RemoteMta::relay).map(SendLogSink::clean)
        .orElse(switch (e.facts().route()) {
          case MAILDIR -> "maildir";
          case RETURNS -> "returns";
          default -> "none";
        });
  }

  /** Postfix's status words: sent, deferred, bounced. */
  static String word(DeliveryStatus status) {
    return switch (status.outcome()) {
      case DELIVERED -> "sent";
      case DEFERRED -> "deferred";
      case FAILED -> "bounced";
    };
  }

  private static String notification(DeliveryStatus.Action action) {
    return switch (action) {
      case FAILED -> "non-delivery";
      case DELAYED -> "delay";
      case DELIVERED, RELAYED, EXPANDED -> "delivery status";
    };
  }

  /**
   * Seconds as Postfix writes them: two decimals at most, no trailing zeros ("0.31", "0", "12"),
   * rounded half up as {@code %.2f} rounds. In integer arithmetic: this runs four times per attempt
   * line, and a format string and a regular expression each time were most of the send log's cost.
   */
  static String seconds(Duration duration) {
    long nanos = duration.toNanos();
    long centis = (Math.abs(nanos) + 5_000_000) / 10_000_000;
    if (centis == 0) {
      return "0";
    }
    StringBuilder text = new StringBuilder(12);
    if (nanos < 0) {
      text.append('-');
    }
    text.append(centis / 100);
    int fraction = (int) (centis % 100);
    if (fraction != 0) {
      text.append('.').append((char) ('0' + fraction / 10));
      if (fraction % 10 != 0) {
        text.append((char) ('0' + fraction % 10));
      }
    }
    return text.toString();
  }

  /**
   * {@code text} with its control characters (CR and LF above all: a remote reply must not forge a
   * log line) replaced by {@code ?}; the same string, without a copy, when it has none, which is
   * nearly always. Every ISO control character is a single UTF-16 unit, so a scan by char suffices.
   */
  static String clean(String text) {
    int first = 0;
    while (first < text.length() && !Character.isISOControl(text.charAt(first))) {
      first++;
    }
    if (first == text.length()) {
      return text;
    }
    char[] chars = text.toCharArray();
    for (int i = first; i < chars.length; i++) {
      if (Character.isISOControl(chars[i])) {
        chars[i] = '?';
      }
    }
    return new String(chars);
  }
}
