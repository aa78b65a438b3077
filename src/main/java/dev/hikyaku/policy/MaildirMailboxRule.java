package dev.hikyaku.policy;

import dev.hikyaku.delivery.MaildirDelivery;
import dev.hikyaku.protocol.Mailbox;
import dev.hikyaku.protocol.Replies;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A recipient of a domain delivered to a Maildir here must have a local part that can be a Maildir:
 * the rule is delivery's own ({@link MaildirDelivery#localPartProblem}, on the canonical local part),
 * asked at RCPT so that {@code "../x"@hosted} gets 550 5.1.3 now instead of a 250 and then a bounce
 * to a sender nobody verified (backscatter). Asked for every client, authenticated or not: no one can
 * reach such a mailbox. Other domains' local parts are theirs to judge (RFC 5321 §2.4).
 */
public final class MaildirMailboxRule implements Rule {

  private final Set<String> maildirDomains;

  /** @param maildirDomains the domains whose route is a Maildir (hosted domains without another route) */
  public MaildirMailboxRule(Set<String> maildirDomains) {
    this.maildirDomains =
        maildirDomains.stream().map(d -> d.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
  }

  @Override
  public String name() {
    return "maildir";
  }

  @Override
  public Verdict onRecipient(RecipientCheck check) {
    Mailbox mailbox = check.recipient().mailbox();
    if (mailbox.isAddressLiteral() || !maildirDomains.contains(mailbox.normalizedDomain())) {
      return Verdict.CONTINUE;
    }
    Optional<String> problem = MaildirDelivery.localPartProblem(mailbox);
    if (problem.isEmpty()) {
      return Verdict.CONTINUE;
    }
    return new Verdict.Reject(
        Replies.badMailboxName(check.recipient(), problem.get()),
        "local part of " + mailbox.address() + " " + problem.get() + " (Maildir delivery)");
  }
}
