package dev.hikyaku.returns;

import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.EnhancedStatus;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a message that came back to the returns domain says, as {@link ReportReader} reads it: a
 * delivery status notification, a feedback report, or neither. Reading is pure: no store, no
 * clock; {@link ReturnedMail} decides what a report means for our messages.
 */
public sealed interface Report {

  /**
   * A delivery status notification: RFC 3464 ({@code multipart/report; report-type=delivery-status},
   * or RFC 6533's {@code global-delivery-status}), or a non-standard bounce read by its text
   * ({@link PlainBounces}).
   *
   * @param recipients the recipients it reports failed or delayed (those reported delivered,
   *     relayed or expanded are left out: nothing to do about them)
   * @param reportingMta RFC 3464 §2.2.2 Reporting-MTA, without its type
   * @param original what it shows of the message it is about
   * @param isStandard read from RFC 3464 fields, rather than guessed from text
   */
  record DeliveryReport(List<ReportedRecipient> recipients, Optional<String> reportingMta, Original original,
      boolean isStandard) implements Report {
    public DeliveryReport {
      recipients = List.copyOf(recipients);
      Objects.requireNonNull(reportingMta, "reportingMta");
      Objects.requireNonNull(original, "original");
    }
  }

  /**
   * One recipient's part of a DSN (RFC 3464 §2.3).
   *
   * @param action failed or delayed (§2.3.3)
   * @param status §2.3.4; its class agrees with the action (5 or 4 for failed, 4 for delayed)
   * @param finalRecipient §2.3.2, the address without its type; for a bounce read by its text, the
   *     address the text names
   * @param originalRecipient §2.3.1, the address without its type, when the report has it (from our
   *     ORCPT, RFC 3461 §4.2)
   * @param diagnostic §2.3.6 Diagnostic-Code as written ({@code smtp; 550 5.1.1 ...}), when given
   * @param remoteMta §2.3.5 Remote-MTA without its type and comments
   */
  record ReportedRecipient(DeliveryStatus.Action action, EnhancedStatus status, String finalRecipient,
      Optional<String> originalRecipient, Optional<String> diagnostic, Optional<String> remoteMta) {
    public ReportedRecipient {
      Objects.requireNonNull(action, "action");
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(finalRecipient, "finalRecipient");
      Objects.requireNonNull(originalRecipient, "originalRecipient");
      Objects.requireNonNull(diagnostic, "diagnostic");
      Objects.requireNonNull(remoteMta, "remoteMta");
      if (action != DeliveryStatus.Action.FAILED && action != DeliveryStatus.Action.DELAYED) {
        throw new IllegalArgumentException("a reported recipient is failed or delayed, was " + action.keyword());
      }
    }
  }

  /**
   * A feedback report (ARF, RFC 5965 §3): {@code multipart/report; report-type=feedback-report}.
   *
   * @param feedbackType §3.1 Feedback-Type, lower case: abuse, fraud, virus, other, not-spam, ...
   * @param userAgent §3.1 User-Agent (the reporting software)
   * @param originalMailFrom §3.2 Original-Mail-From without angle brackets: our return path, when the
   *     reporter kept it
   * @param originalRcptTo §3.2 Original-Rcpt-To, each without angle brackets (often withheld)
   * @param reportingMta §3.2 Reporting-MTA without its type
   * @param original the returned message (third part), often with its recipients redacted
   */
  record FeedbackReport(String feedbackType, Optional<String> userAgent, Optional<String> originalMailFrom,
      List<String> originalRcptTo, Optional<String> reportingMta, Original original) implements Report {
    public FeedbackReport {
      Objects.requireNonNull(feedbackType, "feedbackType");
      Objects.requireNonNull(userAgent, "userAgent");
      Objects.requireNonNull(originalMailFrom, "originalMailFrom");
      originalRcptTo = List.copyOf(originalRcptTo);
      Objects.requireNonNull(reportingMta, "reportingMta");
      Objects.requireNonNull(original, "original");
    }
  }

  /** Neither: not a report, or one this reader cannot make out. {@code reason} says which. */
  record Unreadable(String reason) implements Report {
    public Unreadable {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * What a report shows of the message it is about (the returned message or its header section,
   * RFC 3462 §2's third part; or, in a bounce read by its text, the header lines quoted in it).
   *
   * @param returnPath the Return-Path the final delivery put on it: our VERP return path
   * @param messageId the Message-ID field, with its angle brackets
   * @param to the addresses of its To and Cc fields
   */
  record Original(Optional<String> returnPath, Optional<String> messageId, List<String> to) {
    public static final Original NONE = new Original(Optional.empty(), Optional.empty(), List.of());

    public Original {
      Objects.requireNonNull(returnPath, "returnPath");
      Objects.requireNonNull(messageId, "messageId");
      to = List.copyOf(to);
    }
  }
}
