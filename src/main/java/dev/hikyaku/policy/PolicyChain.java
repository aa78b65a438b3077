package dev.hikyaku.policy;

import java.util.List;
import java.util.function.Function;

/** The rules in order; the first verdict other than Continue decides, and none at all accepts. */
public final class PolicyChain {

  private final List<Rule> rules;

  public PolicyChain(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /** A verdict and the rule that gave it ("" when no rule objected). */
  public record Ruling(String rule, Verdict verdict) {}

  public Ruling onSender(SenderCheck check) {
    return decide(rule -> rule.onSender(check));
  }

  public Ruling onRecipient(RecipientCheck check) {
    return decide(rule -> rule.onRecipient(check));
  }

  public void onAccepted(AcceptedCheck check) {
    for (Rule rule : rules) {
      rule.onAccepted(check);
    }
  }

  private Ruling decide(Function<Rule, Verdict> ask) {
    for (Rule rule : rules) {
      Verdict verdict = ask.apply(rule);
      if (!(verdict instanceof Verdict.Continue)) {
        return new Ruling(rule.name(), verdict);
      }
    }
    return new Ruling("", Verdict.ACCEPT);
  }
}
