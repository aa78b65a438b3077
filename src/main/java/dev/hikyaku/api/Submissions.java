package dev.hikyaku.api;

import dev.hikyaku.intake.SubmissionAgent;
import java.util.Objects;
import java.util.Optional;

/**
 * How the API sends: one message at a time through policy and intake ({@link SubmissionAgent}, the
 * same path as SMTP submission), the limits that path applies, and the answers kept for repeated
 * requests. The app backs it with the server's policy chain, intake and store; {@link #NONE} (an API
 * without them, as in tests of the listener alone) queues nothing.
 */
public interface Submissions {

  /** Sends nothing: every submission is not queued, and nothing is recorded. */
  Submissions NONE = new Submissions() {
    @Override
    public SubmissionAgent.Outcome submit(SubmissionAgent.Submission submission) {
      return new SubmissionAgent.Outcome.NotQueued(false, "this API has no queue");
    }

    @Override
    public Optional<Recorded> recorded(String scope) {
      return Optional.empty();
    }

    @Override
    public Limits limits() {
      return new Limits(10L * 1024 * 1024, 100);
    }
  };

  /** Judges and, unless refused, queues one message; returns once it is durable or refused. */
  SubmissionAgent.Outcome submit(SubmissionAgent.Submission submission);

  /**
   * The answer kept under an idempotency {@code scope} within the last 24 hours; empty when there
   * is none (or only an older one).
   *
   * @throws Unavailable if the store cannot answer now
   */
  Optional<Recorded> recorded(String scope) throws Unavailable;

  /** The limits of the message path, the same for SMTP and the API. */
  Limits limits();

  /**
   * @param maxMessageSize {@code limits.max-message-size}: SMTP's SIZE
   * @param maxRecipients {@code limits.max-recipients}: recipients of one message
   */
  record Limits(long maxMessageSize, int maxRecipients) {}

  /**
   * An answer kept for a repeated request.
   *
   * @param queueId the message the first request queued
   * @param fingerprint SHA-256 of the first request's body, lower-case hex
   */
  record Recorded(String queueId, String fingerprint, int status, String body) {
    public Recorded {
      Objects.requireNonNull(queueId, "queueId");
      Objects.requireNonNull(fingerprint, "fingerprint");
      Objects.requireNonNull(body, "body");
    }
  }
}
