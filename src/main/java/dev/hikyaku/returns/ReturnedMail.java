package dev.hikyaku.returns;

import dev.hikyaku.delivery.Attempt;
import dev.hikyaku.delivery.MaildirDelivery;
import dev.hikyaku.delivery.Outbound;
import dev.hikyaku.delivery.ReturnsMailbox;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.protocol.DeliveryReasons;
import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.EnhancedStatus;
import dev.hikyaku.store.AttemptOutcome;
import dev.hikyaku.store.AttemptRecord;
import dev.hikyaku.store.HistoryMessage;
import dev.hikyaku.store.HistoryQuery;
import dev.hikyaku.store.HistoryRecipient;
import dev.hikyaku.store.HistoryRecord;
import dev.hikyaku.store.MessageHistory;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.StoreException;
import dev.hikyaku.store.Suppression;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the mail that comes to the returns domain (its {@link ReturnsMailbox}) and records what it
 * says about the mail we sent: each failed or delayed recipient of a DSN, each complaint of a
 * feedback report, as a row of the message's history ({@link AttemptRecord.Source#DSN}, {@link
 * AttemptRecord.Source#ARF}), the suppression it causes (a failure whose status is one of {@code
 * delivery.suppress-statuses}; every complaint) and the account's feed entries, all in one
 * transaction of the store ({@code MessageHistory#recordReports}; the feed is the webhooks'
 * outbox), then events for the send log, the log and the metrics.
 *
 * <p>Which message: the VERP return path the report came to ({@link ReturnPaths}), else one named
 * inside it (Original-Mail-From, the returned message's Return-Path), both verified by their MAC;
 * a feedback report sent to the feedback address may name none (reporters redact), and is matched
 * by the returned message's Message-ID among the messages our senders submitted. Which recipient:
 * the report's Original-Recipient (our ORCPT) or Final-Recipient (Original-Rcpt-To and the returned
 * To and Cc for a complaint), compared without case with the message's recipients; a standard DSN
 * about a message of one recipient names that one even after forwarding changed the address. A
 * bounce read by its text names only addresses that are recipients of the message.
 *
 * <p>Nothing is dropped: a message that is no report, names no message of ours, or no recipient of
 * it, is kept in the Maildir {@code <data-directory>/mail/<returns domain>/unparsed/}, logged and
 * counted ({@link Event.ReturnedMailUnparsed}). A report that cannot be recorded now (the store is
 * unavailable) is deferred and read again at the next attempt. A report read twice (a crash between
 * the recording and the queue's crossing off) is recorded twice; its suppression once.
 *
 * <p>A recipient of a message reads its return path in the Return-Path field of its copy, so it can
 * send reports about that message (only that one: the MAC binds the queue id); a per-recipient
 * token would bind the recipient too, at the cost of one SMTP transaction per recipient (see
 * {@link ReturnPaths}). What it can do with that is suppress a fellow recipient for that sender,
 * which the sender sees in its feed and can undo.
 */
public final class ReturnedMail implements ReturnsMailbox {

  private static final Logger log = LoggerFactory.getLogger(ReturnedMail.class);

  /** The Maildir (under the returns domain's directory) that keeps what could not be read. */
  public static final String UNPARSED = "unparsed";

  /**
   * RFC 5965 §3.1's complaint types (and RFC 6650's use of them): a recipient said the message was
   * unwanted. Others (not-spam, auth-failure of RFC 6591) are reports, but no complaint.
   */
  static final Set<String> COMPLAINT_TYPES = Set.of("abuse", "fraud", "virus", "other");

  /** A diagnostic longer than this is cut: it is shown and stored, and a bouncer may quote a page. */
  private static final int MAX_DIAGNOSTIC = 1000;

  private final ReturnPaths returnPaths;
  private final Optional<String> feedbackAddress;
  private final Set<EnhancedStatus> suppressStatuses;
  private final MessageHistory history;
  private final MaildirDelivery maildir;
  private final Path domainDirectory;
  private final Events events;
  private final Clock clock;

  /**
   * @param feedbackAddress {@code returns.feedback-address}, if configured
   * @param suppressStatuses {@code delivery.suppress-statuses}: the failures that suppress
   * @param domainDirectory {@code <data-directory>/mail/<returns domain>}: {@link #UNPARSED} is kept under it
   */
  public ReturnedMail(ReturnPaths returnPaths, Optional<String> feedbackAddress, Set<EnhancedStatus> suppressStatuses,
      MessageHistory history, MaildirDelivery maildir, Path domainDirectory, Events events, Clock clock) {
    this.returnPaths = Objects.requireNonNull(returnPaths, "returnPaths");
    this.feedbackAddress = feedbackAddress.map(a -> a.toLowerCase(Locale.ROOT));
    this.suppressStatuses = Set.copyOf(suppressStatuses);
    this.history = Objects.requireNonNull(history, "history");
    this.maildir = Objects.requireNonNull(maildir, "maildir");
    this.domainDirectory = Objects.requireNonNull(domainDirectory, "domainDirectory");
    this.events = Objects.requireNonNull(events, "events");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** What reading one message came to: recorded (with what, for the send log), or not readable. */
  private sealed interface Reading {
    record Recorded(String summary) implements Reading {}

    record Unparsed(String reason) implements Reading {}
  }

  @Override
  public List<Attempt> deliver(QueueId id, Outbound message) {
    Report report = ReportReader.read(message.content());
    Reading reading;
    try {
      reading = switch (report) {
        case Report.DeliveryReport dsn -> delivery(id, message, dsn);
        case Report.FeedbackReport feedback -> feedback(id, message, feedback);
        case Report.Unreadable unreadable -> new Reading.Unparsed(unreadable.reason());
      };
    } catch (StoreException e) {
      log.warn("returned mail {}: could not be recorded now, trying again later: {}", id, e.getMessage());
      return all(message, DeliveryReasons.localFailure("returned mail not recorded: " + e.getMessage()));
    }
    return switch (reading) {
      case Reading.Recorded recorded -> all(message, DeliveryReasons.readAsReport(recorded.summary()));
      case Reading.Unparsed unparsed -> keep(id, message, unparsed.reason());
    };
  }

  // ---- delivery status notifications --------------------------------------------------------

  private Reading delivery(QueueId reportId, Outbound message, Report.DeliveryReport report) throws StoreException {
    Optional<QueueId> about = addressedTo(message).or(() -> named(report.original().returnPath()));
    if (about.isEmpty()) {
      return new Reading.Unparsed("a delivery report that names no message of ours (it came to "
          + message.recipients() + ", without one of our return paths)");
    }
    Optional<HistoryRecord> record = submitted(about.get());
    if (record.isEmpty()) {
      return new Reading.Unparsed("a delivery report about message " + about.get() + ", which the history does not hold");
    }
    if (report.recipients().isEmpty()) {
      return new Reading.Recorded("a delivery report about message " + about.get() + " with no failed or delayed recipient");
    }
    Map<String, Report.ReportedRecipient> matched = new LinkedHashMap<>();
    List<HistoryRecipient> recipients = record.get().message().recipients();
    for (Report.ReportedRecipient reported : report.recipients()) {
      Optional<String> path = reported.originalRecipient().flatMap(r -> recipient(recipients, r))
          .or(() -> recipient(recipients, reported.finalRecipient()));
      if (path.isEmpty() && report.isStandard() && recipients.size() == 1 && report.recipients().size() == 1) {
        // Forwarded on (an alias, a mailing list): the one recipient we sent to is the one it reports.
        path = Optional.of(recipients.getFirst().forwardPath());
      }
      path.ifPresent(p -> matched.putIfAbsent(p, reported));
    }
    if (matched.isEmpty()) {
      return new Reading.Unparsed("a delivery report about message " + about.get() + " that names none of its recipients ("
          + report.recipients().stream().map(Report.ReportedRecipient::finalRecipient).toList() + ")");
    }
    Instant now = clock.instant();
    HistoryMessage original = record.get().message();
    List<AttemptRecord> rows = new ArrayList<>();
    List<Suppression> suppressions = new ArrayList<>();
    for (Map.Entry<String, Report.ReportedRecipient> entry : matched.entrySet()) {
      String path = entry.getKey();
      Report.ReportedRecipient reported = entry.getValue();
      boolean isFailed = reported.action() == DeliveryStatus.Action.FAILED;
      String diagnostic = cut(reported.diagnostic()
          .map(d -> report.isStandard() ? d : "X-Hikyaku; bounce text: " + d)
          .orElse("X-Hikyaku; reported " + reported.action().keyword() + " without a diagnostic"));
      rows.add(new AttemptRecord(original.id(), path, lastAttempt(record.get(), path), now,
          isFailed ? AttemptOutcome.FAILED : AttemptOutcome.DEFERRED, reported.status().toString(), diagnostic,
          reported.remoteMta().or(report::reportingMta), Optional.empty(), Optional.empty(),
          Duration.between(original.receivedAt(), now), Optional.empty(), AttemptRecord.Source.DSN));
      senderDomain(original)
          .filter(domain -> isFailed && suppressStatuses.contains(reported.status()))
          .ifPresent(domain -> suppressions.add(
              Suppression.hardBounce(domain, path, reported.status().toString(), diagnostic, original.id(), now)));
    }
    List<Suppression> added = history.recordReports(rows, suppressions);
    for (AttemptRecord row : rows) {
      Report.ReportedRecipient reported = matched.get(row.forwardPath());
      events.publish(new Event.DsnReceived(now, original.id().value(), row.forwardPath(), row.attempt(), reported.action(),
          reported.status(), row.diagnostic(), row.remoteMta(), reportId.value(), report.isStandard()));
    }
    published(added);
    return new Reading.Recorded((report.isStandard() ? "DSN" : "non-standard bounce") + " about message "
        + original.id() + ": " + rows.stream().map(r -> r.forwardPath() + " " + r.outcome().keyword() + " " + r.enhancedStatus())
            .toList());
  }

  // ---- feedback reports ----------------------------------------------------------------------

  private Reading feedback(QueueId reportId, Outbound message, Report.FeedbackReport report) throws StoreException {
    if (!COMPLAINT_TYPES.contains(report.feedbackType())) {
      return new Reading.Unparsed("a feedback report of type " + report.feedbackType() + ", which is no complaint");
    }
    Optional<HistoryRecord> record = Optional.empty();
    Optional<QueueId> about = addressedTo(message).or(() -> named(report.originalMailFrom()))
        .or(() -> named(report.original().returnPath()));
    if (about.isPresent()) {
      record = submitted(about.get());
    } else if (isToFeedbackAddress(message) && report.original().messageId().isPresent()) {
      // Reporters that redact the return path still show the Message-ID; it is not authenticated, so
      // only reports to the address given to feedback loops are matched by it.
      record = byMessageId(report.original().messageId().get());
    }
    if (record.isEmpty()) {
      return new Reading.Unparsed("a feedback report that names no message of ours in the history"
          + about.map(id -> " (message " + id + ")").orElse(""));
    }
    HistoryMessage original = record.get().message();
    List<HistoryRecipient> recipients = original.recipients();
    List<String> complainers = new ArrayList<>();
    for (String named : report.originalRcptTo().isEmpty() ? report.original().to() : report.originalRcptTo()) {
      recipient(recipients, named).filter(p -> !complainers.contains(p)).ifPresent(complainers::add);
    }
    if (complainers.isEmpty() && recipients.size() == 1) {
      complainers.add(recipients.getFirst().forwardPath()); // redacted, but there was only one
    }
    if (complainers.isEmpty()) {
      return new Reading.Unparsed("a feedback report about message " + original.id() + " that names none of its "
          + recipients.size() + " recipients");
    }
    Instant now = clock.instant();
    String diagnostic = cut(AttemptRecord.complaintDiagnostic(report.feedbackType(), report.userAgent()));
    List<AttemptRecord> rows = new ArrayList<>();
    List<Suppression> suppressions = new ArrayList<>();
    for (String path : complainers) {
      // RFC 3463 X.0.0 success: the message was delivered; the complaint came after it.
      rows.add(new AttemptRecord(original.id(), path, lastAttempt(record.get(), path), now, AttemptOutcome.COMPLAINED, "2.0.0",
          diagnostic, report.reportingMta(), Optional.empty(), Optional.empty(), Duration.between(original.receivedAt(), now),
          Optional.empty(), AttemptRecord.Source.ARF));
      senderDomain(original).ifPresent(domain ->
          suppressions.add(Suppression.complaint(domain, path, diagnostic, original.id(), now)));
    }
    List<Suppression> added = history.recordReports(rows, suppressions);
    for (String path : complainers) {
      events.publish(new Event.ComplaintReceived(now, original.id().value(), path, report.feedbackType(), report.userAgent(),
          report.reportingMta(), reportId.value()));
    }
    published(added);
    return new Reading.Recorded("feedback report (" + report.feedbackType() + ") about message " + original.id() + ": "
        + complainers);
  }

  // ---- which message, which recipient -----------------------------------------------------------

  /** The message of the first return path of ours among the addressees. */
  private Optional<QueueId> addressedTo(Outbound message) {
    return message.recipients().stream().map(returnPaths::messageOf).flatMap(Optional::stream).findFirst();
  }

  /** The message of {@code address}, when it is one of our return paths. */
  private Optional<QueueId> named(Optional<String> address) {
    return address.flatMap(returnPaths::messageOf);
  }

  private boolean isToFeedbackAddress(Outbound message) {
    return feedbackAddress.isPresent()
        && message.recipients().stream().anyMatch(r -> r.equalsIgnoreCase(feedbackAddress.get()));
  }

  /** The history of message {@code id} when it is our senders' (submitted with a principal). */
  private Optional<HistoryRecord> submitted(QueueId id) throws StoreException {
    return history.show(id).filter(r -> r.message().principal().isPresent());
  }

  /** The one submitted message with {@code messageId}, if exactly one has it. */
  private Optional<HistoryRecord> byMessageId(String messageId) throws StoreException {
    List<HistoryMessage> found = history.search(HistoryQuery.all().withMessageId(messageId).withLimit(2)).stream()
        .filter(m -> m.principal().isPresent())
        .toList();
    return found.size() == 1 ? submitted(found.getFirst().id()) : Optional.empty();
  }

  /** The forward-path among {@code recipients} that is {@code address} (compared without case, RFC 5321 §2.4 aside). */
  private static Optional<String> recipient(List<HistoryRecipient> recipients, String address) {
    String bare = address.strip();
    return recipients.stream().map(HistoryRecipient::forwardPath).filter(bare::equalsIgnoreCase).findFirst();
  }

  /** The number of our last attempt for {@code path}: the one that handed the message over. */
  private static int lastAttempt(HistoryRecord record, String path) {
    return record.attemptsOf(path).stream()
        .filter(a -> a.source() == AttemptRecord.Source.SMTP)
        .mapToInt(AttemptRecord::attempt)
        .max()
        .orElse(1);
  }

  /** The sending domain the suppression list is kept for: the original reverse-path's domain. */
  private static Optional<String> senderDomain(HistoryMessage message) {
    int at = message.reversePath().lastIndexOf('@');
    return at < 0 ? Optional.empty() : Optional.of(message.reversePath().substring(at + 1));
  }

  private void published(List<Suppression> added) {
    for (Suppression s : added) {
      events.publish(new Event.RecipientSuppressed(s.createdAt(), s.senderDomain(), s.recipient(), s.reason().keyword(),
          s.queueId().map(QueueId::value).orElse(""), s.diagnostic().orElse("")));
    }
  }

  // ---- kept unread ---------------------------------------------------------------------------

  /**
   * Keeps {@code message} in the {@link #UNPARSED} Maildir; delivered when it is there (and said:
   * a log line and {@link Event.ReturnedMailUnparsed} for the metric), transient when it could not
   * be written.
   */
  private List<Attempt> keep(QueueId id, Outbound message, String reason) {
    Outbound kept = new Outbound(message.reversePath(), List.of(UNPARSED + "@" + returnPaths.domain()), message.content(),
        message.isEightBit(), message.isSmtpUtf8(), Optional.empty());
    Attempt attempt = maildir.deliver(domainDirectory, kept).getFirst();
    if (attempt.outcome() != DeliveryStatus.Outcome.DELIVERED) {
      log.warn("returned mail {} could not be read ({}) nor kept: {}", id, reason, attempt.status());
      return all(message, attempt.status());
    }
    Path where = domainDirectory.resolve(UNPARSED);
    log.warn("returned mail {} could not be read as a report: {}; kept in {}", id, reason, where);
    events.publish(new Event.ReturnedMailUnparsed(clock.instant(), id.value(), reason, where.toString()));
    return all(message, DeliveryReasons.readAsReport("not read as a report (" + reason + "); kept in " + where));
  }

  private static List<Attempt> all(Outbound message, DeliveryStatus status) {
    return message.recipients().stream().map(r -> new Attempt(r, status)).toList();
  }

  private static String cut(String text) {
    String line = text.replace('\r', ' ').replace('\n', ' ');
    return line.length() <= MAX_DIAGNOSTIC ? line : line.substring(0, MAX_DIAGNOSTIC - 3) + "...";
  }
}
