package dev.hikyaku.policy;

/** One policy decision point. Rules are asked in order until one answers other than Continue. */
public interface Rule {

  String name();

  Verdict onRecipient(RecipientCheck check);
}
