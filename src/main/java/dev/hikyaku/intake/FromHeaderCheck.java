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

  /** The message to queue (possibly with a Sender: header added), or the refusal. */
  sealed interface Outcome {
    record Pass(byte[] content) implements Outcome {}

    record Refuse(IntakeResult.Refused refusal) implements Outcome {}

    record Unavailable(String reason) implements Outcome {}
  }

  private final SenderRegistry registry;

  FromHeaderCheck(SenderRegistry registry) {
    this.registry = registry;
  }

  Outcome check(Principal principal, byte[] content) {
    String account = principal.account();
    Optional<List<String>> from = fromAddresses(content);
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
            case ADD_SENDER -> new Outcome.Pass(withSender(account, content));
          };
        }
      }
    }
    return new Outcome.Pass(content);
  }

  /** RFC 5322 §3.6.2: exactly one From: field with at least one mailbox. */
  static Optional<List<String>> fromAddresses(byte[] content) {
    List<String> fields = HeaderSection.values(content, "From");
    if (fields.size() != 1) {
      return Optional.empty();
    }
    return FromField.mailboxes(fields.getFirst()).map(mailboxes -> mailboxes.stream().map(FromField.AddrSpec::address).toList());
  }

  private static byte[] withSender(String account, byte[] content) {
    byte[] sender = ("Sender: <" + account + ">\r\n").getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[sender.length + content.length];
    System.arraycopy(sender, 0, out, 0, sender.length);
    System.arraycopy(content, 0, out, sender.length, content.length);
    return out;
  }
}
