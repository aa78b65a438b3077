package dev.hikyaku.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.auth.Principal;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.protocol.ForwardPath;
import dev.hikyaku.protocol.Mailbox;
import dev.hikyaku.protocol.ReversePath;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The suppression list at RCPT (issue 12 item 6), with the store's side faked. */
class SuppressionRuleTest {

  private static final Instant SINCE = Instant.parse("2026-05-01T09:00:00.123Z");
  private static final Optional<Principal> APP = Optional.of(new Principal("app@sender.example"));

  private final List<String> asked = new ArrayList<>();
  private final SuppressionRule rule = new SuppressionRule((domain, recipient) -> {
    asked.add(domain + " " + recipient);
    return recipient.equals("gone@elsewhere.example")
        ? Optional.of(new SuppressionRule.Entry(SINCE, "hard bounce", "5.1.1 smtp; 550 5.1.1 no such user"))
        : Optional.empty();
  });

  private static RecipientCheck check(Optional<Principal> principal, ReversePath sender, String recipient) {
    return new RecipientCheck(ListenerRole.SUBMISSION, InetAddress.getLoopbackAddress(), principal, sender,
        ForwardPath.of(recipient));
  }

  private static ReversePath from(String local, String domain) {
    return new ReversePath(Optional.of(new Mailbox(local, domain, false)));
  }

  @Test
  void refusesASuppressedRecipientOfAnAuthenticatedSenderWithTheReasonForTheOperator() {
    Verdict verdict = rule.onRecipient(check(APP, from("app", "Sender.example"), "gone@elsewhere.example"));
    assertThat(verdict).isInstanceOfSatisfying(Verdict.Reject.class, reject -> {
      assertThat(reject.reply().toString()).isEqualTo(
          "550 5.1.1 <gone@elsewhere.example>: Recipient address is on the suppression list since 2026-05-01T09:00:00Z (hard bounce)");
      assertThat(reject.reason()).isEqualTo(
          "suppressed for Sender.example since 2026-05-01T09:00:00.123Z: 5.1.1 smtp; 550 5.1.1 no such user");
    });
    // The domain as written: the store folds it as the queue does.
    assertThat(asked).containsExactly("Sender.example gone@elsewhere.example");
  }

  @Test
  void unauthenticatedClientsAndTheNullSenderAreNotAsked() {
    assertThat(rule.onRecipient(check(Optional.empty(), from("a", "stranger.example"), "gone@elsewhere.example")))
        .isEqualTo(Verdict.CONTINUE);
    assertThat(rule.onRecipient(check(APP, ReversePath.NULL, "gone@elsewhere.example"))).isEqualTo(Verdict.CONTINUE);
    assertThat(asked).isEmpty();
    assertThat(rule.onRecipient(check(APP, from("app", "sender.example"), "fine@elsewhere.example"))).isEqualTo(Verdict.CONTINUE);
  }
}
