package dev.hikyaku.app;

import dev.hikyaku.api.Submissions;
import dev.hikyaku.api.Unavailable;
import dev.hikyaku.intake.SubmissionAgent;
import dev.hikyaku.store.IdempotencyRecords;
import dev.hikyaku.store.StoreException;
import java.time.Clock;
import java.util.Optional;

/**
 * The API's way to send: the server's {@link SubmissionAgent} (its policy chain and intake, the
 * path of SMTP submission), the limits of {@code limits}, and the idempotency records of the store,
 * of which only those younger than {@link dev.hikyaku.store.IdempotencyRecord#KEPT_FOR} answer.
 */
final class StoreSubmissions implements Submissions {

  private final SubmissionAgent agent;
  private final IdempotencyRecords records;
  private final Clock clock;
  private final Limits limits;

  StoreSubmissions(SubmissionAgent agent, IdempotencyRecords records, Clock clock, Limits limits) {
    this.agent = agent;
    this.records = records;
    this.clock = clock;
    this.limits = limits;
  }

  @Override
  public SubmissionAgent.Outcome submit(SubmissionAgent.Submission submission) {
    return agent.submit(submission);
  }

  @Override
  public Optional<Recorded> recorded(String scope) throws Unavailable {
    try {
      return records.find(scope)
          .filter(record -> record.isCurrentAt(clock.instant()))
          .map(record -> new Recorded(record.queueId().value(), record.fingerprint(), record.status(), record.response()));
    } catch (StoreException e) {
      throw new Unavailable("reading an idempotency record: " + e.getMessage(), e);
    }
  }

  @Override
  public Limits limits() {
    return limits;
  }
}
