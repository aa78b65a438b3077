package dev.hikyaku.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.auth.Principal;
import dev.hikyaku.events.Events;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.protocol.ForwardPath;
import dev.hikyaku.protocol.ReversePath;
import dev.hikyaku.testing.SettableClock;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Recipients of hosted domains at RCPT, with the directory and the block store faked. */
class RecipientRuleTest {

  private final List<String> asked = new ArrayList<>();
  private final List<String> blocked = new ArrayList<>();
  private final SettableClock clock = new SettableClock(Instant.parse("2026-11-23T10:00:00Z"));
  private final RecipientRule rule = new RecipientRule(Set.of("Hosted.example", "routed.example"), mailbox -> {
        asked.add(mailbox.address());
        return switch (mailbox.localPart()) {
          case "alice" -> RecipientDirectory.KNOWN;
          case "slow" -> new RecipientDirectory.Answer.Unverified("next hop silent");
          case "down" -> new RecipientDirectory.Answer.Unavailable("account store unavailable");
          default -> new RecipientDirectory.Answer.Unknown("no account " + mailbox.address());
        };
      },
      new DirectoryHarvest(new DirectoryHarvest.Settings(Duration.ofSeconds(1), Duration.ofSeconds(5), 4),
          (client, reason) -> blocked.add(client.getHostAddress() + ": " + reason), new Events(List.of()), clock));

  private static RecipientCheck check(Optional<Principal> principal, String recipient) throws Exception {
    return new RecipientCheck(principal.isPresent() ? ListenerRole.SUBMISSION : ListenerRole.RELAY,
        InetAddress.getByName("192.0.2.7"), principal, ReversePath.NULL, ForwardPath.of(recipient));
  }

  private Verdict unauthenticated(String recipient) throws Exception {
    return rule.onRecipient(check(Optional.empty(), recipient));
  }

  @Test
  void knownRecipientsPassAndOthersDomainsAreNotAsked() throws Exception {
    assertThat(unauthenticated("alice@hosted.example")).isEqualTo(Verdict.CONTINUE);
    assertThat(unauthenticated("someone@elsewhere.example")).isEqualTo(Verdict.CONTINUE);
    assertThat(unauthenticated("someone@[192.0.2.1]")).isEqualTo(Verdict.CONTINUE);
    assertThat(asked).containsExactly("alice@hosted.example");
  }

  @Test
  void postmasterIsNeverAsked() throws Exception {
    assertThat(unauthenticated("Postmaster")).isEqualTo(Verdict.CONTINUE);
    assertThat(unauthenticated("postmaster@hosted.example")).isEqualTo(Verdict.CONTINUE);
    assertThat(unauthenticated("POSTMASTER@routed.example")).isEqualTo(Verdict.CONTINUE);
    assertThat(asked).isEmpty();
  }

  @Test
  void anUnknownRecipientIsRefusedWithAGrowingTarpitAndAHarvestBlock() throws Exception {
    List<Duration> delays = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      Verdict verdict = unauthenticated("guess" + i + "@hosted.example");
      assertThat(verdict).isInstanceOfSatisfying(Verdict.Reject.class, reject -> {
        assertThat(reject.reply().toString()).startsWith("550 5.1.1 <guess").endsWith(": Recipient address rejected: User unknown");
        assertThat(reject.reason()).startsWith("no account guess");
        delays.add(reject.delay());
      });
    }
    assertThat(delays).containsExactly(Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(2),
        Duration.ofSeconds(4), Duration.ofSeconds(5));
    assertThat(blocked).containsExactly("192.0.2.7: 4 unknown recipients within an hour from 192.0.2.7 (directory harvest)");
    // An hour later the count starts again.
    clock.advance(Duration.ofHours(2));
    assertThat(((Verdict.Reject) unauthenticated("guess7@hosted.example")).delay()).isZero();
  }

  @Test
  void anAuthenticatedUserGetsTheSameAnswerWithoutTarpitOrCount() throws Exception {
    Optional<Principal> bob = Optional.of(new Principal("bob@hosted.example"));
    for (int i = 1; i <= 6; i++) {
      assertThat(rule.onRecipient(check(bob, "colleague" + i + "@hosted.example"))).isInstanceOfSatisfying(
          Verdict.Reject.class, reject -> assertThat(reject.delay()).isZero());
    }
    assertThat(blocked).isEmpty();
    assertThat(((Verdict.Reject) unauthenticated("guess@hosted.example")).delay()).as("not counted for the address").isZero();
  }

  @Test
  void aDirectoryThatCannotAnswerDefers() throws Exception {
    assertThat(unauthenticated("slow@routed.example")).isInstanceOfSatisfying(Verdict.Defer.class, defer -> {
      assertThat(defer.reply().toString())
          .isEqualTo("450 4.4.3 <slow@routed.example>: Recipient address verification unavailable; try again later");
      assertThat(defer.reason()).isEqualTo("next hop silent");
    });
    assertThat(unauthenticated("down@hosted.example")).isInstanceOfSatisfying(Verdict.Defer.class, defer ->
        assertThat(defer.reply().toString()).isEqualTo("451 4.3.0 <down@hosted.example>: Temporary lookup failure; try again later"));
  }
}
