package dev.hikyaku.store;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One delivery attempt of one recipient, as the message history keeps it: the fields of a DSN's
 * per-recipient part (RFC 3464 §2.3) and of Postfix's {@code status=} log line. Times are truncated
 * to the millisecond here, because the store keeps milliseconds: what this record holds is what
 * {@link MessageHistory#show} returns.
 *
 * @param queueId the message
 * @param forwardPath the recipient, exactly as queued
 * @param attempt 1 for the first attempt of this recipient, 2 for the second, ...
 * @param attemptedAt when the attempt ended (a DSN's Last-Attempt-Date, RFC 3464 §2.3.7)
 * @param outcome what the attempt came to
 * @param enhancedStatus the status code, class.subject.detail (RFC 3463 §2), e.g. {@code 5.1.1}:
 *     class 2 for delivered and relayed, 4 for deferred, 4 or 5 for the failures
 * @param diagnostic {@code smtp; } and the remote reply when a remote server said it (RFC 3464
 *     §2.3.6, Diagnostic-Code), otherwise our own reason
 * @param remoteMta the server that answered, e.g. {@code mx.example.net[192.0.2.1]:25}; empty when
 *     none was reached (RFC 3464 §2.3.5)
 * @param tlsProtocol the TLS protocol of the connection, empty without TLS
 * @param tlsCipher the cipher suite of the connection, empty without TLS
 * @param delay from the message's receipt to the end of this attempt
 * @param nextAttemptAt when the recipient is due again: present exactly for {@link
 *     AttemptOutcome#DEFERRED} of an attempt of ours (a delayed DSN's remote MTA retries on its own
 *     schedule, which it does not tell)
 * @param source where the outcome was learned: our own attempt, or a report that came back later
 */
public record AttemptRecord(
    QueueId queueId,
    String forwardPath,
    int attempt,
    Instant attemptedAt,
    AttemptOutcome outcome,
    String enhancedStatus,
    String diagnostic,
    Optional<String> remoteMta,
    Optional<String> tlsProtocol,
    Optional<String> tlsCipher,
    Duration delay,
    Optional<Instant> nextAttemptAt,
    Source source) {

  /**
   * Where an outcome was learned, as the history's {@code source} column and the API write it
   * (V16). A report that came back names the attempt of ours it is about: its {@code attempt} is
   * that attempt's number.
   */
  public enum Source {
    /** Our own delivery attempt: the next hop's reply (SMTP, LMTP), or our own finding. */
    SMTP,
    /**
     * A delivery status notification returned to the message's return path (RFC 3464, or a
     * non-standard bounce read by its text): a remote MTA failed (or delayed) the recipient after
     * it had accepted the message.
     */
    DSN,
    /** A feedback report (ARF, RFC 5965): the recipient complained about the message. */
    ARF;

    /** As stored and shown: {@code smtp}, {@code dsn}, {@code arf}. */
    public String keyword() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The source named {@code keyword}, or empty. */
    public static Optional<Source> fromKeyword(String keyword) {
      for (Source source : values()) {
        if (source.keyword().equals(keyword)) {
          return Optional.of(source);
        }
      }
      return Optional.empty();
    }
  }

  /** An attempt of ours ({@link Source#SMTP}). */
  public AttemptRecord(
      QueueId queueId, String forwardPath, int attempt, Instant attemptedAt, AttemptOutcome outcome, String enhancedStatus,
      String diagnostic, Optional<String> remoteMta, Optional<String> tlsProtocol, Optional<String> tlsCipher, Duration delay,
      Optional<Instant> nextAttemptAt) {
    this(queueId, forwardPath, attempt, attemptedAt, outcome, enhancedStatus, diagnostic, remoteMta, tlsProtocol, tlsCipher,
        delay, nextAttemptAt, Source.SMTP);
  }

  // RFC 3463 §2: status-code = class "." subject "." detail; class 2, 4 or 5; 1*3 digits each after.
  private static final Pattern ENHANCED_STATUS = Pattern.compile("[245]\\.[0-9]{1,3}\\.[0-9]{1,3}");

  public AttemptRecord {
    Objects.requireNonNull(queueId, "queueId");
    Objects.requireNonNull(forwardPath, "forwardPath");
    attemptedAt = Objects.requireNonNull(attemptedAt, "attemptedAt").truncatedTo(ChronoUnit.MILLIS);
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(enhancedStatus, "enhancedStatus");
    Objects.requireNonNull(diagnostic, "diagnostic");
    Objects.requireNonNull(remoteMta, "remoteMta");
    Objects.requireNonNull(tlsProtocol, "tlsProtocol");
    Objects.requireNonNull(tlsCipher, "tlsCipher");
    Objects.requireNonNull(source, "source");
    delay = Duration.ofMillis(Objects.requireNonNull(delay, "delay").toMillis());
    nextAttemptAt = Objects.requireNonNull(nextAttemptAt, "nextAttemptAt").map(at -> at.truncatedTo(ChronoUnit.MILLIS));
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt numbers start at 1, was " + attempt);
    }
    if (!ENHANCED_STATUS.matcher(enhancedStatus).matches()) {
      throw new IllegalArgumentException("not an enhanced status code (RFC 3463 §2): \"" + enhancedStatus + "\"");
    }
    char statusClass = enhancedStatus.charAt(0);
    boolean isFitting = switch (outcome) {
      case DELIVERED, RELAYED -> statusClass == '2';
      case DEFERRED -> statusClass == '4';
      // A failure may carry a persistent transient code: expiry is 4.4.7 (RFC 3463 §3.5).
      case FAILED, EXPIRED, RETURNED -> statusClass != '2';
      // The message was delivered; the complaint came after (RFC 5965 §1).
      case COMPLAINED -> statusClass == '2';
    };
    if (!isFitting) {
      throw new IllegalArgumentException(
          "recipient " + forwardPath + ": status " + enhancedStatus + " does not go with " + outcome.keyword());
    }
    if ((outcome == AttemptOutcome.DEFERRED && source == Source.SMTP) != nextAttemptAt.isPresent()) {
      throw new IllegalArgumentException(
          "recipient " + forwardPath + ": a next attempt time belongs to our own deferrals only, got "
              + outcome.keyword() + " from " + source.keyword() + " with " + nextAttemptAt);
    }
    boolean isFromItsSource = switch (source) {
      case SMTP -> outcome != AttemptOutcome.COMPLAINED;
      // RFC 3464 §2.3.3: a returned DSN tells of a failure or a delay (we ask for no other).
      case DSN -> outcome == AttemptOutcome.FAILED || outcome == AttemptOutcome.DEFERRED;
      case ARF -> outcome == AttemptOutcome.COMPLAINED;
    };
    if (!isFromItsSource) {
      throw new IllegalArgumentException(
          "recipient " + forwardPath + ": a " + source.keyword() + " row cannot say " + outcome.keyword());
    }
  }

  /**
   * The diagnostic of a complaint's row ({@link Source#ARF}): {@code arf; Feedback-Type: abuse} and
   * {@code ; User-Agent: ...} when the report names its software (RFC 5965 §3.1's field names), so
   * that {@link #feedbackType} reads it back.
   */
  public static String complaintDiagnostic(String feedbackType, Optional<String> userAgent) {
    return "arf; Feedback-Type: " + feedbackType + userAgent.map(agent -> "; User-Agent: " + agent).orElse("");
  }

  /** The Feedback-Type of a complaint's row (see {@link #complaintDiagnostic}); empty for other rows. */
  public Optional<String> feedbackType() {
    String prefix = "arf; Feedback-Type: ";
    if (source != Source.ARF || !diagnostic.startsWith(prefix)) {
      return Optional.empty();
    }
    String rest = diagnostic.substring(prefix.length());
    int end = rest.indexOf(';');
    return Optional.of((end < 0 ? rest : rest.substring(0, end)).strip());
  }

  /**
   * Whether this row moves its recipient's latest outcome: every row but a delayed DSN's. A remote
   * MTA that reports a delay goes on trying, and tells nothing when it then delivers (RFC 3461
   * §4.1: NOTIFY=SUCCESS is not asked for), so "deferred" would stay the recipient's outcome for
   * good; the row is kept among the attempts instead.
   */
  public boolean movesLatestOutcome() {
    return !(source == Source.DSN && outcome == AttemptOutcome.DEFERRED);
  }
}
