package dev.hikyaku.policy;

import dev.hikyaku.protocol.Mailbox;
import dev.hikyaku.protocol.Replies;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The returns domain takes mail for its return paths, its feedback address and postmaster (RFC
 * 5321 §4.5.1), nothing else: a RCPT to an address there whose VERP token does not verify (forged,
 * altered, truncated, or minted under another secret) gets {@code 550 5.1.1} at RCPT, from anyone.
 * Refusing at RCPT rather than after reading the report means nothing forged is ever queued, and a
 * sender that tries tokens learns nothing but the refusal (the MAC is 80 bits: guessing is hopeless).
 */
public final class ReturnPathRule implements Rule {

  /** The returns side's answer: whether a local part at the returns domain is one of our return paths. */
  @FunctionalInterface
  public interface ReturnPathCheck {
    /** Empty when {@code localPart} is a return path of ours; else what is wrong with it, for the log. */
    Optional<String> problem(String localPart);
  }

  private final String domain;
  private final Optional<String> feedbackLocalPart;
  private final ReturnPathCheck check;

  /**
   * @param domain the returns domain
   * @param feedbackAddress {@code returns.feedback-address}, an address at {@code domain}, if configured
   */
  public ReturnPathRule(String domain, Optional<String> feedbackAddress, ReturnPathCheck check) {
    this.domain = domain.toLowerCase(Locale.ROOT);
    this.feedbackLocalPart = feedbackAddress.map(a -> a.substring(0, a.lastIndexOf('@')).toLowerCase(Locale.ROOT));
    this.check = Objects.requireNonNull(check, "check");
  }

  @Override
  public String name() {
    return "returns";
  }

  @Override
  public Verdict onRecipient(RecipientCheck recipient) {
    if (recipient.recipient().isBarePostmaster()) {
      return Verdict.CONTINUE;
    }
    Mailbox mailbox = recipient.recipient().mailbox();
    if (mailbox.isAddressLiteral() || !mailbox.normalizedDomain().equals(domain)) {
      return Verdict.CONTINUE;
    }
    String local = mailbox.localPart().toLowerCase(Locale.ROOT);
    if (local.equals("postmaster") || feedbackLocalPart.filter(local::equals).isPresent()) {
      return Verdict.CONTINUE;
    }
    return check.problem(mailbox.localPart())
        .<Verdict>map(problem -> new Verdict.Reject(Replies.noSuchReturnPath(recipient.recipient()),
            "returns domain " + domain + ": " + problem))
        .orElse(Verdict.CONTINUE);
  }
}
