package dev.hikyaku.policy;

import dev.hikyaku.protocol.Replies;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The suppression list at RCPT: an authenticated client's recipient that a remote server refused for
 * good (RFC 3463 X.1.1, bad destination mailbox) for mail from the same sending domain — or that
 * complained about such mail (a feedback report, RFC 5965), or that an operator listed — gets {@code 550 5.1.1 ... is on the suppression list since ...} instead of being
 * queued, delivered to a server that refuses it again, and bounced to the sender again. Sending to
 * addresses known not to exist is what mailbox providers judge a sender's reputation by; refusing at
 * RCPT also tells the submitting application now rather than by a later DSN.
 *
 * <p>Only authenticated clients (submission, on any listener) are checked. Mail from strangers on the
 * relay port goes to hosted domains, whose mailboxes are delivered here and never bounce from a
 * remote server, so the list holds nothing for it; and answering strangers from the list would tell
 * them which of our senders' recipients bounced. The null reverse-path has no sending domain.
 *
 * <p>The list is a courtesy, not a safeguard: when it cannot be read the recipient is taken (the
 * remote server still refuses it, as it did before the list existed).
 */
public final class SuppressionRule implements Rule {

  /** The rule's name in rulings and events; the HTTP API tells its refusals apart by it. */
  public static final String NAME = "suppression";

  /** The store's side: the entry for a sending domain and recipient, compared as the queue compares. */
  public interface Suppressions {
    /** The entry, or empty when the recipient is not suppressed (or the store cannot say). */
    Optional<Entry> find(String senderDomain, String recipient);
  }

  /**
   * One suppression as the rule needs it.
   *
   * @param why what listed it, in the refusal's words: "hard bounce", "complaint" or "added by an
   *     administrator"
   * @param detail the status and diagnostic that caused it, or who listed it, for the operator
   */
  public record Entry(Instant since, String why, String detail) {
    public Entry {
      Objects.requireNonNull(since, "since");
      Objects.requireNonNull(why, "why");
      Objects.requireNonNull(detail, "detail");
    }
  }

  private final Suppressions suppressions;

  public SuppressionRule(Suppressions suppressions) {
    this.suppressions = Objects.requireNonNull(suppressions, "suppressions");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Verdict onRecipient(RecipientCheck check) {
    if (check.principal().isEmpty() || check.sender().isNull() || check.recipient().isBarePostmaster()) {
      return Verdict.CONTINUE;
    }
    // The domain as written: the store folds both sides with the queue's lower().
    String senderDomain = check.sender().mailbox().orElseThrow().domain();
    String recipient = check.recipient().address();
    return suppressions.find(senderDomain, recipient)
        .<Verdict>map(entry -> new Verdict.Reject(
            Replies.suppressed(check.recipient(), entry.since(), entry.why()),
            "suppressed for " + senderDomain + " since " + entry.since() + ": " + entry.detail()))
        .orElse(Verdict.CONTINUE);
  }
}
