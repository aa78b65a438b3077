package dev.hikyaku.api;

import java.util.Map;

/**
 * A request refused while it is being read (a body too large, not JSON, a field invalid): thrown by
 * the reading helpers of {@link ApiRequest} so a handler reads top to bottom, and turned into its
 * {@link Answer.Failure} by {@link ApiServer}. Carries no stack trace: it is an answer, not a fault.
 */
final class Refusal extends Exception {

  private final transient Answer.Failure answer;

  Refusal(Problem problem) {
    this(new Answer.Failure(problem));
  }

  Refusal(Problem problem, Map<String, String> headers) {
    this(new Answer.Failure(problem, headers));
  }

  Refusal(Answer.Failure answer) {
    super(answer.problem().detail(), null, false, false);
    this.answer = answer;
  }

  Answer.Failure answer() {
    return answer;
  }
}
