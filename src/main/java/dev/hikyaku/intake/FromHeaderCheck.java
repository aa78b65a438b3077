package dev.hikyaku.intake;

import dev.hikyaku.auth.Principal;
import dev.hikyaku.mailauth.FromField;
import dev.hikyaku.policy.SenderRegistry;
import dev.hikyaku.protocol.Replies;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * RFC 6409 §4.2 applied to the header: an authenticated sender's From: addresses must be ones the
 * account owns. Per account, a mismatch is refused, or accepted with a Sender: header naming the
 * account (RFC 5322 §3.6.2: Sender is the agent responsible for the transmission).
 */
final class FromHeaderCheck {

  /** The fields to put on top of the message (a Sender: field, or none), or the refusal. */
  sealed interface Outcome {
    record Pass(byte[] fieldsOnTop) implements Outcome {}

    record Refuse(IntakeResult.Refused refusal) implements Outcome {}

    record Unavailable(String reason) implements Outcome {}
  }

  private final SenderRegistry registry;

  FromHeaderCheck(SenderRegistry registry) {
    this.registry = registry;
  }

  /** Judges the From: field of a message whose header {@code facts} were read once by intake. */
  Outcome check(Principal principal, HeaderFacts facts) {
    String account = principal.account();
    Optional<List<String>> from = facts.fromAddresses();
    if (from.isEmpty() || from.get().isEmpty()) {
      return new Outcome.Refuse(new IntakeResult.Refused(Replies.fromHeaderMissing(), "no parsable From: header"));
    }
    for (String address : from.get()) {
      switch (registry.ownership(account, address)) {
        // An API key's sender limits are refused outright: Sender: would not make them hold.
        case OWNED -> {
          if (!principal.isWithinSenderLimits(address)) {
            String key = principal.apiKey().orElseThrow();
            return new Outcome.Refuse(
                new IntakeResult.Refused(
                    Replies.fromHeaderOutsideApiKey(address, key), account + " with api key " + key + " may not use From: " + address));
          }
        }
        case UNKNOWN -> {
          return new Outcome.Unavailable("sender registry unavailable");
        }
        case NOT_OWNED -> {
          return switch (registry.fromHeaderAction(account)) {
            case REJECT ->
                new Outcome.Refuse(
                    new IntakeResult.Refused(
                        Replies.fromHeaderNotOwned(address, account), account + " may not use From: " + address));
            case ADD_SENDER -> new Outcome.Pass(senderField(account));
          };
        }
      }
    }
    return new Outcome.Pass(new byte[0]);
  }

  /** RFC 5322 §3.6.2: exactly one From: field with at least one mailbox. */
  static Optional<List<String>> fromAddresses(byte[] content) {
    return fromAddresses(HeaderSection.values(content, "From"));
  }

  /** As above, of the values of every From field. */
  static Optional<List<String>> fromAddresses(List<String> fields) {
    if (fields.size() != 1) {
      return Optional.empty();
    }
    return FromField.mailboxes(fields.getFirst()).map(mailboxes -> mailboxes.stream().map(FromField.AddrSpec::address).toList());
  }

  private static byte[] senderField(String account) {
    return ("Sender: <" + account + ">\r\n").getBytes(StandardCharsets.UTF_8);
  }
}
