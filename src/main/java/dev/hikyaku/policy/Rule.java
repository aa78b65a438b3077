package dev.hikyaku.policy;

/** One policy decision point. Rules are asked in order until one answers other than Continue. */
public interface Rule {

  String name();

  default Verdict onSender(SenderCheck check) {
    return Verdict.CONTINUE;
  }

  default Verdict onRecipient(RecipientCheck check) {
    return Verdict.CONTINUE;
  }

  /** Told of every queued message; nothing to decide, something to learn. */
  default void onAccepted(AcceptedCheck check) {}
}
