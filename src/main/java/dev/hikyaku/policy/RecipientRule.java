package dev.hikyaku.policy;

import dev.hikyaku.protocol.Mailbox;
import dev.hikyaku.protocol.Replies;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A hosted domain takes mail only for its known recipients ({@link RecipientDirectory}): an unknown
 * one gets {@code 550 5.1.1} at RCPT, not a 250 and then a bounce to a sender nobody verified
 * (backscatter), nor a Maildir of its own. {@code postmaster} is always known (RFC 5321 §4.5.1); the
 * returns domain is {@link ReturnPathRule}'s. A directory that cannot answer defers, never a blind
 * 250: {@code 451 4.3.0} when our own store failed, {@code 450 4.4.3} when the next hop was silent.
 *
 * <p>The same answer for every client: an authenticated user who mistypes a colleague's address
 * learns it now rather than from a bounce, and an account cannot create mailboxes by sending to
 * them. Only unauthenticated clients pay for unknown recipients with the {@link DirectoryHarvest}
 * tarpit and block: an account is accountable and rate-limited already, and its network is its
 * owner's.
 */
public final class RecipientRule implements Rule {

  /** The rule's name in rulings and events. */
  public static final String NAME = "recipients";

  private final Set<String> hostedDomains;
  private final RecipientDirectory directory;
  private final DirectoryHarvest harvest;

  public RecipientRule(Set<String> hostedDomains, RecipientDirectory directory, DirectoryHarvest harvest) {
    this.hostedDomains =
        hostedDomains.stream().map(d -> d.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    this.directory = Objects.requireNonNull(directory, "directory");
    this.harvest = Objects.requireNonNull(harvest, "harvest");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Verdict onRecipient(RecipientCheck check) {
    if (check.recipient().isBarePostmaster()) {
      return Verdict.CONTINUE;
    }
    Mailbox mailbox = check.recipient().mailbox();
    if (mailbox.isAddressLiteral() || !hostedDomains.contains(mailbox.normalizedDomain())) {
      return Verdict.CONTINUE;
    }
    // RFC 5321 §4.5.1: postmaster@domain must be accepted for every domain the server takes mail for.
    if (mailbox.localPart().equalsIgnoreCase("postmaster")) {
      return Verdict.CONTINUE;
    }
    return switch (directory.lookUp(mailbox)) {
      case RecipientDirectory.Answer.Known known -> Verdict.CONTINUE;
      case RecipientDirectory.Answer.Unavailable unavailable ->
          new Verdict.Defer(Replies.recipientLookupFailed(check.recipient()), unavailable.reason());
      case RecipientDirectory.Answer.Unverified unverified ->
          new Verdict.Defer(Replies.recipientVerificationUnavailable(check.recipient()), unverified.reason());
      case RecipientDirectory.Answer.Unknown unknown -> {
        Duration delay = check.principal().isPresent()
            ? Duration.ZERO
            : harvest.unknownRecipient(check.client(), mailbox.address());
        yield new Verdict.Reject(Replies.userUnknown(check.recipient()), unknown.reason(), delay);
      }
    };
  }
}
