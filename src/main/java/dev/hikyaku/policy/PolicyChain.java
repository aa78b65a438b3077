package dev.hikyaku.policy;

import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The rules in order; the first verdict other than Continue decides, and none at all accepts. */
public final class PolicyChain {

  private static final Logger log = LoggerFactory.getLogger(PolicyChain.class);

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

  /**
   * Tells every rule of a message that is already committed. A rule that fails is logged and the
   * others still hear of it: the client must get its 250, or it sends the message again.
   */
  public void onAccepted(AcceptedCheck check) {
    for (Rule rule : rules) {
      try {
        rule.onAccepted(check);
      } catch (RuntimeException bug) {
        log.error("rule {} failed on an accepted message", rule.name(), bug);
      }
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
