package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.config.RecipientsConfig;
import dev.hikyaku.delivery.RecipientCallout;
import dev.hikyaku.delivery.Route;
import dev.hikyaku.delivery.Routes;
import dev.hikyaku.policy.RecipientDirectory;
import dev.hikyaku.policy.RecipientDirectory.Answer;
import dev.hikyaku.protocol.ForwardPath;
import dev.hikyaku.store.Store;
import dev.hikyaku.testing.ScriptedLmtp;
import dev.hikyaku.testing.TestServers;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who the hosted domains take mail for, asked in order: the config's catch-all and local parts, the
 * account store, and for a routed domain its next hop, only when nothing before knows the recipient.
 */
class HostedRecipientsTest {

  @TempDir Path data;
  private Store store;
  private ScriptedLmtp lmtp;
  private RecipientDirectory directory;

  @BeforeEach
  void open() throws Exception {
    store = Store.openSqlite(data, Clock.systemUTC());
    lmtp = new ScriptedLmtp();
    RecipientsConfig config = TestServers.config(data).recipients().withDomains(Map.of(
        "catch.example", new RecipientsConfig.Domain(true, List.of()),
        "listed.example", new RecipientsConfig.Domain(false, List.of("info", "john smith"))));
    TestServers.createMailbox(store, "alice@listed.example");
    TestServers.createMailbox(store, "carol@lmtp.example");
    store.accounts().addSender("alice@listed.example", "@owned.example");
    directory = new HostedRecipients(config, store.accounts(),
        new Routes(Map.of("lmtp.example", new Route.Lmtp("127.0.0.1", lmtp.port()),
            "listed.example", new Route.Maildir(data.resolve("mail")))),
        new RecipientCallout(new RecipientCallout.Settings("mx.hikyaku.test", Duration.ofSeconds(2), Duration.ofHours(1),
            Duration.ofMinutes(10)), Optional.empty(), Clock.systemUTC()));
  }

  @AfterEach
  void close() throws Exception {
    lmtp.close();
    store.close();
  }

  private Answer lookUp(String address) {
    return directory.lookUp(ForwardPath.of(address).mailbox());
  }

  @Test
  void theConfigsListsTheAccountsAndTheirDomainsAreKnown() {
    assertThat(lookUp("whoever@catch.example")).isEqualTo(RecipientDirectory.KNOWN);
    assertThat(lookUp("INFO@listed.example")).isEqualTo(RecipientDirectory.KNOWN);
    assertThat(lookUp("\"john smith\"@listed.example")).isEqualTo(RecipientDirectory.KNOWN);
    assertThat(lookUp("Alice@Listed.Example")).isEqualTo(RecipientDirectory.KNOWN);
    assertThat(lookUp("\"alice\"@listed.example")).isEqualTo(RecipientDirectory.KNOWN);
    assertThat(lookUp("anyone@owned.example")).isEqualTo(RecipientDirectory.KNOWN);
    assertThat(lookUp("bob@listed.example"))
        .isEqualTo(new Answer.Unknown("no account, alias or recipients.domains entry for bob@listed.example"));
    assertThat(lmtp.asked()).isEmpty();
  }

  @Test
  void aRoutedDomainsNextHopIsAskedOnlyForWhatIsNotKnownHere() {
    assertThat(lookUp("carol@lmtp.example")).isEqualTo(RecipientDirectory.KNOWN);
    assertThat(lookUp("dave@lmtp.example")).isEqualTo(RecipientDirectory.KNOWN);
    assertThat(lookUp("nobody@lmtp.example"))
        .isEqualTo(new Answer.Unknown("next hop answered 550 5.1.1 User unknown in virtual mailbox table"));
    assertThat(lookUp("busy@lmtp.example")).isInstanceOfSatisfying(Answer.Unverified.class,
        u -> assertThat(u.reason()).startsWith("next hop could not verify: ").contains("451 4.3.0"));
    assertThat(lmtp.asked()).containsExactly("dave@lmtp.example", "nobody@lmtp.example", "busy@lmtp.example");
  }

  @Test
  void aStoreThatCannotBeReadIsUnavailableNotUnknown() {
    store.close();
    assertThat(lookUp("alice@listed.example")).isInstanceOfSatisfying(Answer.Unavailable.class,
        u -> assertThat(u.reason()).startsWith("account store unavailable: "));
    // The config's lists need no store.
    assertThat(lookUp("info@listed.example")).isEqualTo(RecipientDirectory.KNOWN);
  }
}
