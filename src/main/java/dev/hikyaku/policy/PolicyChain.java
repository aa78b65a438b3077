package dev.hikyaku.policy;

import java.util.List;

/** The rules in order; the first verdict other than Continue decides, and none at all accepts. */
public final class PolicyChain {

  private final List<Rule> rules;

  public PolicyChain(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  public Verdict onRecipient(RecipientCheck check) {
    for (Rule rule : rules) {
      Verdict verdict = rule.onRecipient(check);
      if (!(verdict instanceof Verdict.Continue)) {
        return verdict;
      }
    }
    return Verdict.ACCEPT;
  }
}
