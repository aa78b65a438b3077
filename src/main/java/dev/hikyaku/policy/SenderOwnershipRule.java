package dev.hikyaku.policy;

import dev.hikyaku.auth.Principal;
import dev.hikyaku.protocol.Replies;

/**
 * An authenticated client sends only as an address its account owns (RFC 6409 §4.2; Postfix
 * reject_sender_login_mismatch), and, with an API key, only as one within the key's sender limits. The null reverse-path is for bounces, not for users, unless the
 * config allows it.
 */
public final class SenderOwnershipRule implements Rule {

  private final SenderRegistry registry;
  private final boolean isNullSenderAllowed;

  public SenderOwnershipRule(SenderRegistry registry, boolean isNullSenderAllowed) {
    this.registry = registry;
    this.isNullSenderAllowed = isNullSenderAllowed;
  }

  @Override
  public String name() {
    return "sender-ownership";
  }

  @Override
  public Verdict onSender(SenderCheck check) {
    if (check.principal().isEmpty()) {
      return Verdict.CONTINUE; // relay clients are judged by their recipients
    }
    Principal principal = check.principal().get();
    if (check.sender().isNull()) {
      return isNullSenderAllowed
          ? Verdict.CONTINUE
          : new Verdict.Reject(Replies.nullSenderNotAllowed(), "null sender from " + principal.account());
    }
    String address = check.sender().address();
    return switch (registry.ownership(principal.account(), address)) {
      // An API key narrows its account's senders, never widens them: both must allow the address.
      case OWNED ->
          principal.isWithinSenderLimits(address)
              ? Verdict.CONTINUE
              : new Verdict.Reject(
                  Replies.senderOutsideApiKey(address, principal.apiKey().orElseThrow()),
                  principal.account() + " with api key " + principal.apiKey().orElseThrow() + " may not send as " + address);
      case NOT_OWNED ->
          new Verdict.Reject(
              Replies.senderNotOwned(address, principal.account()), principal.account() + " may not send as " + address);
      case UNKNOWN -> new Verdict.Defer(Replies.policyUnavailable(), "sender registry unavailable");
    };
  }
}
