package dev.hikyaku.store;

import static dev.hikyaku.store.TestMessages.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.testing.TestStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Webhook endpoints, the fan-out of the feed into deliveries and their log (V15) on a real store. */
class WebhooksTest {

  private static final String ALICE = "alice@example.org";

  @TempDir Path dataDirectory;

  private final TestMessages messages = new TestMessages();
  private Store store;
  private Webhooks webhooks;
  private WebhookDeliveries deliveries;

  @BeforeEach
  void open() throws StoreException {
    store = TestStores.open(dataDirectory, Clock.fixed(T0, ZoneOffset.UTC));
    webhooks = store.webhooks();
    deliveries = store.webhookDeliveries();
    // Endpoints send only while their account is there and enabled.
    store.domains().add("example.org");
    store.accounts().create(ALICE, Credentials.none(), FromHeaderPolicy.REJECT);
  }

  @AfterEach
  void close() {
    store.close();
  }

  /** A message of {@code principal} from {@code sender}, sent with {@code apiKey} (null: none), delivered to x@example.net. */
  private QueueId sendAndDeliver(String principal, String sender, String apiKey) throws StoreException {
    QueueId id = messages.idAt(T0);
    store.queue().accept(new NewMessage(id, T0, sender, "", List.of(new NewRecipient("x@example.net", "")),
        new Origin("submission", "127.0.0.1", "client.example", null, null, principal, apiKey),
        "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)));
    store.queue().record(id, List.of(RecipientOutcome.delivered("x@example.net", "250", T0.plusSeconds(1))),
        List.of(new AttemptRecord(id, "x@example.net", 1, T0.plusSeconds(1), AttemptOutcome.DELIVERED, "2.0.0", "smtp; 250 ok",
            Optional.empty(), Optional.empty(), Optional.empty(), Duration.ofSeconds(1), Optional.empty())));
    return id;
  }

  private WebhookEndpoint add(String id, List<String> types, Optional<String> domain, Optional<String> key) throws StoreException {
    return webhooks.add(WebhookEndpoint.created(id, "Alice@Example.org", "https://hooks.example.com/" + id, types, domain, key,
        false, T0), "whsec_" + id);
  }

  private static WebhookAttempt attempt(DueWebhook due, int status, WebhookAttempt.Next next, Optional<Instant> retry,
      WebhookAttempt.EndpointChange change) {
    return new WebhookAttempt(due.deliveryId(), due.endpointId(), T0.plusSeconds(10), OptionalInt.of(status), Optional.empty(),
        Duration.ofMillis(12), Optional.of("body " + status), next, retry, change,
        change == WebhookAttempt.EndpointChange.KEEP ? Optional.empty() : Optional.of("gone"));
  }

  @Test
  void eachEndpointGetsTheEventsItWantsFromItsCreationOnOnce() throws StoreException {
    sendAndDeliver(ALICE, "alice@example.org", null); // before the endpoints: not theirs
    add("wh_all", List.of("message.accepted", "message.delivered"), Optional.empty(), Optional.empty());
    add("wh_delivered", List.of("message.delivered"), Optional.empty(), Optional.empty());
    add("wh_domain", List.of("message.accepted"), Optional.of("Example.COM"), Optional.empty());
    add("wh_key", List.of("message.accepted"), Optional.empty(), Optional.of("billing"));
    QueueId first = sendAndDeliver(ALICE, "alice@example.org", "billing");
    QueueId second = sendAndDeliver(ALICE, "news@example.com", null);
    sendAndDeliver("bob@example.org", "bob@example.org", "billing"); // another account

    assertThat(deliveries.fanOut(T0, 100)).isEqualTo(4 + 2 + 1 + 1);
    assertThat(deliveries.fanOut(T0, 100)).as("the cursor moved: nothing twice").isZero();

    List<DueWebhook> due = deliveries.due(T0, 100);
    assertThat(due).extracting(d -> d.endpointId() + " " + d.eventType() + " " + d.event().orElseThrow().queueId().orElseThrow().value())
        .containsExactlyInAnyOrder(
            "wh_all message.accepted " + first.value(), "wh_all message.delivered " + first.value(),
            "wh_all message.accepted " + second.value(), "wh_all message.delivered " + second.value(),
            "wh_delivered message.delivered " + first.value(), "wh_delivered message.delivered " + second.value(),
            "wh_domain message.accepted " + second.value(),
            "wh_key message.accepted " + first.value());
    assertThat(due).allSatisfy(d -> {
      assertThat(d.eventSeq()).isEqualTo(d.event().orElseThrow().seq());
      assertThat(d.attempts()).isZero();
      assertThat(d.kind()).isEqualTo("event");
      assertThat(d.secrets().signingAt(T0)).containsExactly("whsec_" + d.endpointId());
    });
    assertThat(deliveries.due(T0.minusMillis(1), 100)).isEmpty();
    assertThat(deliveries.nextDue()).hasValue(T0);
  }

  @Test
  void anEventWithoutAMessageIsFilteredByItsOwnSenderAndNoKeyAndDueWithTheFeedsTagsAndMetadata() throws StoreException {
    add("wh_all", List.of("message.accepted", "message.suppressed"), Optional.empty(), Optional.empty());
    add("wh_domain", List.of("message.suppressed"), Optional.of("example.com"), Optional.empty());
    add("wh_other_domain", List.of("message.suppressed"), Optional.of("example.net"), Optional.empty());
    add("wh_key", List.of("message.accepted", "message.suppressed"), Optional.empty(), Optional.of("billing"));
    // An API send with tags and metadata, queued for one recipient and refused for another.
    QueueId sent = messages.idAt(T0);
    store.queue().accept(new NewMessage(sent, T0, "shop@example.com", "", List.of(new NewRecipient("x@example.net", "")),
        new Origin("api", "127.0.0.1", "billing", null, null, ALICE, "billing"), "Subject: x\r\n\r\nbody\r\n".getBytes(
            StandardCharsets.US_ASCII), AcceptedHeaders.NONE, new Annotations(List.of("invoice"), java.util.Map.of("order", "7")),
        Optional.empty()));
    // A send refused whole (no message, so no history row): it carries its own sender, tags and metadata.
    String refusedWhole = "{\"sender\":\"shop@example.com\",\"reason\":\"550 5.1.1 suppressed\",\"tags\":[\"spring\"],"
        + "\"metadata\":{}}";
    assertThat(store.messageEvents().append(List.of(
        NewMessageEvent.ofAccount(T0.plusSeconds(1), "message.suppressed", ALICE, Optional.of(sent), Optional.of("gone@example.net"),
            "{\"sender\":\"shop@example.com\",\"reason\":\"550 5.1.1 suppressed\"}"),
        NewMessageEvent.ofAccount(T0.plusSeconds(2), "message.suppressed", ALICE, Optional.empty(), Optional.of("gone@example.net"),
            refusedWhole)))).isEqualTo(2);

    assertThat(deliveries.fanOut(T0, 100)).isEqualTo(3 + 2 + 2);
    List<DueWebhook> due = deliveries.due(T0, 100);
    assertThat(due).extracting(d -> d.endpointId() + " " + d.eventType() + " " + d.event().orElseThrow().queueId().isPresent())
        .containsExactlyInAnyOrder(
            "wh_all message.accepted true", "wh_all message.suppressed true", "wh_all message.suppressed false",
            // The domain filter reads the message's reverse path from the history, or the refused send's own sender.
            "wh_domain message.suppressed true", "wh_domain message.suppressed false",
            // The key is known only of a message: an event without one is not sent where a key filter stands.
            "wh_key message.accepted true", "wh_key message.suppressed true");
    // The feed's reading of each entry: the message's tags and metadata from the history; none without a message.
    MessageEvent withMessage = due.stream().filter(d -> d.endpointId().equals("wh_all") && d.eventType().equals("message.suppressed")
        && d.event().orElseThrow().queueId().isPresent()).findFirst().orElseThrow().event().orElseThrow();
    assertThat(withMessage.annotations()).isEqualTo(new Annotations(List.of("invoice"), java.util.Map.of("order", "7")));
    MessageEvent withoutMessage = due.stream().filter(d -> d.endpointId().equals("wh_all") && d.event().orElseThrow().queueId().isEmpty())
        .findFirst().orElseThrow().event().orElseThrow();
    assertThat(withoutMessage.annotations()).isEqualTo(Annotations.NONE);
    assertThat(withoutMessage.account()).isEqualTo(ALICE);
    assertThat(withoutMessage.data()).isEqualTo(refusedWhole);
    assertThat(store.messageEvents().after(ALICE, 0, List.of(), 10)).containsExactlyElementsOf(
        due.stream().filter(d -> d.endpointId().equals("wh_all")).map(d -> d.event().orElseThrow())
            .sorted(java.util.Comparator.comparingLong(MessageEvent::seq)).toList());
  }

  @Test
  void attemptsAreLoggedAndA410DisablesTheEndpointAndFailsWhatItOwes() throws StoreException {
    add("wh_a", List.of("message.accepted", "message.delivered"), Optional.empty(), Optional.empty());
    sendAndDeliver(ALICE, "alice@example.org", null);
    deliveries.fanOut(T0, 100);
    List<DueWebhook> due = deliveries.due(T0, 100);
    assertThat(due).hasSize(2);

    Instant retry = T0.plusSeconds(15);
    assertThat(deliveries.record(attempt(due.get(0), 500, WebhookAttempt.Next.RETRY, Optional.of(retry),
        WebhookAttempt.EndpointChange.KEEP))).isFalse();
    assertThat(deliveries.due(T0.plusSeconds(14), 100)).hasSize(1);
    assertThat(deliveries.due(retry, 100)).hasSize(2).anySatisfy(d -> assertThat(d.attempts()).isEqualTo(1));
    assertThat(deliveries.record(attempt(due.get(0), 204, WebhookAttempt.Next.DELIVERED, Optional.empty(),
        WebhookAttempt.EndpointChange.KEEP))).isFalse();
    assertThat(webhooks.find("wh_a").orElseThrow().lastSuccessAt()).hasValue(T0.plusSeconds(10));

    List<WebhookDelivery> log = deliveries.deliveries("wh_a", OptionalLong.empty(), 10);
    assertThat(log).hasSize(2);
    WebhookDelivery delivered = log.stream().filter(d -> d.id() == due.get(0).deliveryId()).findFirst().orElseThrow();
    assertThat(delivered.status()).isEqualTo("delivered");
    assertThat(delivered.attempts()).isEqualTo(2);
    assertThat(delivered.responseStatus()).hasValue(204);
    assertThat(delivered.latencyMillis()).hasValue(12);
    assertThat(delivered.response()).hasValue("body 204");
    assertThat(delivered.deliveredAt()).hasValue(T0.plusSeconds(10));
    assertThat(delivered.nextAttemptAt()).isEmpty();
    assertThat(deliveries.deliveries("wh_a", OptionalLong.of(log.getFirst().id()), 10)).containsExactly(log.get(1));

    // A retry run out while the endpoint has succeeded since the delivery was queued: it stays enabled.
    assertThat(deliveries.record(attempt(due.get(1), 500, WebhookAttempt.Next.FAILED, Optional.empty(),
        WebhookAttempt.EndpointChange.DISABLE_IF_FAILING))).isFalse();
    assertThat(webhooks.find("wh_a").orElseThrow().isEnabled()).isTrue();

    // 410: disabled, and what it still owes fails with it.
    sendAndDeliver(ALICE, "alice@example.org", null);
    deliveries.fanOut(T0, 100);
    List<DueWebhook> more = deliveries.due(T0.plusSeconds(20), 100);
    assertThat(more).hasSize(2);
    assertThat(deliveries.record(attempt(more.get(0), 410, WebhookAttempt.Next.FAILED, Optional.empty(),
        WebhookAttempt.EndpointChange.DISABLE))).isTrue();
    WebhookEndpoint disabled = webhooks.find("wh_a").orElseThrow();
    assertThat(disabled.disabledAt()).hasValue(T0.plusSeconds(10));
    assertThat(disabled.disabledReason()).hasValue("gone");
    assertThat(deliveries.due(T0.plus(Duration.ofDays(1)), 100)).isEmpty();
    assertThat(deliveries.deliveries("wh_a", OptionalLong.empty(), 10)).extracting(WebhookDelivery::status)
        .containsExactly("failed", "failed", "failed", "delivered");
    assertThat(deliveries.prune(T0, 10)).as("queued at T0, not before it").isZero();
    assertThat(deliveries.prune(T0.plusMillis(1), 10)).as("finished ones only, pending stay owed").isEqualTo(4);
    assertThat(deliveries.deliveries("wh_a", OptionalLong.empty(), 10)).isEmpty();
    sendAndDeliver(ALICE, "alice@example.org", null);
    assertThat(deliveries.fanOut(T0, 100)).as("a disabled endpoint gets nothing new").isZero();
  }

  @Test
  void aReplayQueuesTheEventsOfATimeRangeAgainWithTheirOwnIds() throws StoreException {
    add("wh_r", List.of("message.delivered"), Optional.empty(), Optional.empty());
    sendAndDeliver(ALICE, "alice@example.org", null);
    deliveries.fanOut(T0, 100);
    DueWebhook original = deliveries.due(T0, 10).getFirst();

    assertThat(deliveries.replay("wh_r", T0, T0.plusSeconds(1), T0.plusSeconds(60), 100).queued()).as("until is exclusive").isZero();
    // The range holds the message.accepted too (not wanted); looking at one event only is a cut replay.
    assertThat(deliveries.replay("wh_r", T0, T0.plusSeconds(2), T0.plusSeconds(60), 1)).isEqualTo(new WebhookDeliveries.Replayed(0, true));
    assertThat(deliveries.replay("wh_r", T0, T0.plusSeconds(2), T0.plusSeconds(60), 100)).isEqualTo(new WebhookDeliveries.Replayed(1, false));
    List<DueWebhook> due = deliveries.due(T0.plusSeconds(60), 10);
    assertThat(due).hasSize(2).extracting(DueWebhook::eventSeq).containsOnly(original.eventSeq());
    assertThat(due).extracting(DueWebhook::kind).containsExactlyInAnyOrder("event", "replay");
    assertThatThrownBy(() -> deliveries.replay("wh_none", T0, T0, T0, 1))
        .isInstanceOf(StoreException.class).extracting(e -> ((StoreException) e).kind()).isEqualTo(StoreException.Kind.NOT_FOUND);
  }

  @Test
  void rotationKeepsThePreviousSecretSigningUntilItExpiresAndRemovalTakesTheLog() throws StoreException {
    add("wh_s", List.of("message.delivered"), Optional.empty(), Optional.empty());
    assertThat(webhooks.secrets("wh_s").signingAt(T0)).containsExactly("whsec_wh_s");
    WebhookEndpoint rotated = webhooks.rotate("wh_s", "whsec_new", T0.plus(Duration.ofHours(24)));
    assertThat(rotated.previousSecretExpiresAt()).hasValue(T0.plus(Duration.ofHours(24)));
    assertThat(webhooks.secrets("wh_s").signingAt(T0)).containsExactly("whsec_new", "whsec_wh_s");
    assertThat(webhooks.secrets("wh_s").signingAt(T0.plus(Duration.ofHours(24)))).containsExactly("whsec_new");
    assertThat(webhooks.secrets("wh_s").toString()).doesNotContain("whsec");

    WebhookDelivery ping = deliveries.recordTest(new WebhookAttempt(0, "wh_s", T0, OptionalInt.of(200), Optional.empty(),
        Duration.ofMillis(3), Optional.of("ok"), WebhookAttempt.Next.DELIVERED, Optional.empty(),
        WebhookAttempt.EndpointChange.KEEP, Optional.empty()));
    assertThat(ping.kind()).isEqualTo("test");
    assertThat(ping.eventType()).isEqualTo(WebhookDeliveries.TEST_TYPE);
    assertThat(ping.eventSeq()).isEmpty();
    assertThat(ping.status()).isEqualTo("delivered");

    assertThat(webhooks.list(Optional.of("ALICE@example.org"))).extracting(WebhookEndpoint::id).containsExactly("wh_s");
    assertThat(webhooks.remove("wh_s").id()).isEqualTo("wh_s");
    assertThat(webhooks.list(Optional.empty())).isEmpty();
    assertThat(deliveries.deliveries("wh_s", OptionalLong.empty(), 10)).isEmpty();
    assertThatThrownBy(() -> webhooks.remove("wh_s")).isInstanceOf(StoreException.class);
    assertThatThrownBy(() -> webhooks.secrets("wh_s")).isInstanceOf(StoreException.class);
  }

  @Test
  void aDisabledEndpointEnabledAgainGetsTheEventsFromThenOnAndWhatFailedStaysFailed() throws StoreException {
    add("wh_e", List.of("message.accepted", "message.delivered"), Optional.empty(), Optional.empty());
    sendAndDeliver(ALICE, ALICE, null);
    deliveries.fanOut(T0, 100);
    List<DueWebhook> due = deliveries.due(T0, 100);
    assertThat(deliveries.record(attempt(due.getFirst(), 410, WebhookAttempt.Next.FAILED, Optional.empty(),
        WebhookAttempt.EndpointChange.DISABLE))).isTrue();
    sendAndDeliver(ALICE, ALICE, null); // while disabled: never queued for it

    assertThat(webhooks.enable("wh_e")).isTrue();
    WebhookEndpoint enabled = webhooks.find("wh_e").orElseThrow();
    assertThat(enabled.isEnabled()).isTrue();
    assertThat(enabled.disabledReason()).isEmpty();
    assertThat(webhooks.enable("wh_e")).as("enabled already: nothing changes").isFalse();
    assertThat(deliveries.fanOut(T0, 100)).as("the cursor moved to the newest event").isZero();
    assertThat(deliveries.due(T0.plus(Duration.ofDays(1)), 100)).isEmpty();
    assertThat(deliveries.deliveries("wh_e", OptionalLong.empty(), 10)).extracting(WebhookDelivery::status)
        .containsExactly("failed", "failed");

    sendAndDeliver(ALICE, ALICE, null);
    assertThat(deliveries.fanOut(T0, 100)).isEqualTo(2);
    assertThat(deliveries.replay("wh_e", T0, T0.plusSeconds(2), T0, 100).queued()).as("a replay sends what it missed").isEqualTo(6);
    assertThatThrownBy(() -> webhooks.enable("wh_none")).isInstanceOf(StoreException.class)
        .extracting(e -> ((StoreException) e).kind()).isEqualTo(StoreException.Kind.NOT_FOUND);
  }

  @Test
  void aDeliveryIsStillDueWhileItIsPendingAfterAsManyAttemptsAndItsEndpointAndAccountAreEnabled() throws StoreException {
    add("wh_s", List.of("message.delivered"), Optional.empty(), Optional.empty());
    sendAndDeliver(ALICE, ALICE, null);
    deliveries.fanOut(T0, 100);
    DueWebhook due = deliveries.due(T0, 10).getFirst();
    assertThat(deliveries.isStillDue(due.deliveryId(), 0)).isTrue();
    assertThat(deliveries.isStillDue(due.deliveryId(), 1)).as("another attempt since").isFalse();
    store.accounts().setDisabled(ALICE, true);
    assertThat(deliveries.isStillDue(due.deliveryId(), 0)).as("its account disabled").isFalse();
    store.accounts().setDisabled(ALICE, false);
    deliveries.record(attempt(due, 200, WebhookAttempt.Next.DELIVERED, Optional.empty(), WebhookAttempt.EndpointChange.KEEP));
    assertThat(deliveries.isStillDue(due.deliveryId(), 0)).as("delivered meanwhile").isFalse();
    assertThat(deliveries.isStillDue(due.deliveryId() + 100, 0)).isFalse();
  }

  @Test
  void aChangeTakesTheUrlTypesAndFiltersAndKeepsTheRest() throws StoreException {
    WebhookEndpoint before = add("wh_c", List.of("message.accepted"), Optional.of("example.com"), Optional.of("billing"));
    WebhookEndpoint changed = webhooks.change(before.changedTo("https://hooks2.example.com/c", List.of("message.delivered"),
        Optional.empty(), Optional.empty(), true));
    assertThat(changed).isEqualTo(new WebhookEndpoint("wh_c", ALICE, "https://hooks2.example.com/c", List.of("message.delivered"),
        Optional.empty(), Optional.empty(), true, T0, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
    assertThat(webhooks.secrets("wh_c").current()).isEqualTo("whsec_wh_c");

    sendAndDeliver(ALICE, "news@example.net", null);
    assertThat(deliveries.fanOut(T0, 100)).as("the new types and no filters").isEqualTo(1);
    assertThat(deliveries.due(T0, 10)).singleElement().satisfies(d -> {
      assertThat(d.eventType()).isEqualTo("message.delivered");
      assertThat(d.url()).isEqualTo("https://hooks2.example.com/c");
      assertThat(d.isPrivateAllowed()).isTrue();
    });
    assertThatThrownBy(() -> webhooks.change(WebhookEndpoint.created("wh_none", ALICE, "https://x.example/", List.of("message.accepted"),
        Optional.empty(), Optional.empty(), false, T0))).isInstanceOf(StoreException.class)
        .extracting(e -> ((StoreException) e).kind()).isEqualTo(StoreException.Kind.NOT_FOUND);
  }

  @Test
  void aDisabledAccountsEndpointsAreHeldNotFailedAndGetWhatTheyAreOwedWhenItIsEnabledAgain() throws StoreException {
    add("wh_held", List.of("message.accepted", "message.delivered"), Optional.empty(), Optional.empty());
    sendAndDeliver(ALICE, ALICE, null);
    assertThat(deliveries.fanOut(T0, 100)).isEqualTo(2);

    store.accounts().setDisabled(ALICE, true);
    sendAndDeliver(ALICE, ALICE, null);
    assertThat(deliveries.fanOut(T0, 100)).as("nothing fanned out: the feed keeps it").isZero();
    assertThat(deliveries.due(T0.plus(Duration.ofDays(30)), 100)).as("nothing due").isEmpty();
    assertThat(deliveries.nextDue()).isEmpty();
    assertThat(deliveries.deliveries("wh_held", OptionalLong.empty(), 10)).as("held, not failed")
        .extracting(WebhookDelivery::status).containsExactly("pending", "pending");
    assertThat(webhooks.find("wh_held").orElseThrow().isEnabled()).isTrue();

    store.accounts().setDisabled(ALICE, false);
    assertThat(deliveries.nextDue()).hasValue(T0);
    assertThat(deliveries.due(T0, 100)).hasSize(2);
    assertThat(deliveries.fanOut(T0, 100)).as("the events of the disabled time, from the cursor on").isEqualTo(2);
    assertThat(deliveries.due(T0, 100)).hasSize(4).extracting(DueWebhook::account).containsOnly(ALICE);
  }

  @Test
  void aDeletedAccountTakesItsEndpointsAndTheirLogsAndAnEndpointWithoutAnAccountSendsNothing() throws StoreException {
    store.accounts().create("bob@example.org", Credentials.none(), FromHeaderPolicy.REJECT);
    add("wh_alice", List.of("message.accepted"), Optional.empty(), Optional.empty());
    webhooks.add(WebhookEndpoint.created("wh_bob", "bob@example.org", "https://hooks.example.com/bob", List.of("message.accepted"),
        Optional.empty(), Optional.empty(), false, T0), "whsec_bob");
    sendAndDeliver(ALICE, ALICE, null);
    sendAndDeliver("bob@example.org", "bob@example.org", null);
    assertThat(deliveries.fanOut(T0, 100)).isEqualTo(2);

    assertThat(store.accounts().delete(ALICE)).isEqualTo(1);
    assertThat(webhooks.list(Optional.empty())).extracting(WebhookEndpoint::id).containsExactly("wh_bob");
    assertThat(deliveries.deliveries("wh_alice", OptionalLong.empty(), 10)).isEmpty();
    assertThat(deliveries.due(T0, 100)).extracting(DueWebhook::endpointId).containsExactly("wh_bob");
    store.accounts().create(ALICE, Credentials.none(), FromHeaderPolicy.REJECT);
    assertThat(webhooks.list(Optional.of(ALICE))).as("made again, it inherits no endpoint").isEmpty();

    // An endpoint whose account is not there (left from before deletions took them) is held for good.
    webhooks.add(WebhookEndpoint.created("wh_ghost", "ghost@example.org", "https://hooks.example.com/ghost",
        List.of("message.suppressed"), Optional.empty(), Optional.empty(), false, T0), "whsec_ghost");
    store.messageEvents().append(List.of(NewMessageEvent.ofAccount(T0, "message.suppressed", "ghost@example.org",
        Optional.empty(), Optional.of("x@example.net"), "{\"sender\":\"ghost@example.org\",\"reason\":\"550\"}")));
    assertThat(deliveries.fanOut(T0, 100)).isZero();
    assertThat(deliveries.due(T0, 100)).extracting(DueWebhook::endpointId).containsExactly("wh_bob");
  }

  @Test
  void anAccountHasAtMostSoManyEndpoints() throws StoreException {
    for (int i = 0; i < Webhooks.MAX_ENDPOINTS_PER_ACCOUNT; i++) {
      add("wh_" + i, List.of("message.delivered"), Optional.empty(), Optional.empty());
    }
    assertThatThrownBy(() -> add("wh_over", List.of("message.delivered"), Optional.empty(), Optional.empty()))
        .isInstanceOf(StoreException.class).extracting(e -> ((StoreException) e).kind()).isEqualTo(StoreException.Kind.CONFLICT);
  }

  @Tag(TestStores.SQLITE_ONLY)
  @Test
  void theDeliveryQueriesUseTheirIndexes() throws Exception {
    assertThat(QueryPlans.plan(dataDirectory, WebhookDeliveries.DUE, List.of(1L, 10)))
        .contains("USING INDEX webhook_delivery_due").doesNotContainPattern("(?m)SCAN d\\b");
    assertThat(QueryPlans.plan(dataDirectory, WebhookDeliveries.STILL_DUE, List.of(1L, 0))).contains("SEARCH d USING INTEGER PRIMARY KEY");
    // Whether the endpoint's account is enabled: one lookup by its unique address.
    for (String sql : List.of(WebhookDeliveries.DUE, WebhookDeliveries.NEXT_DUE, WebhookDeliveries.HAS_NEW_EVENTS)) {
      List<Object> arguments = sql.equals(WebhookDeliveries.DUE) ? List.of(1L, 10) : List.of();
      assertThat(QueryPlans.plan(dataDirectory, sql, arguments))
          .containsPattern("SEARCH a EXISTS USING (COVERING )?INDEX \\S+ \\(address=\\?\\)");
    }
    assertThat(QueryPlans.plan(dataDirectory, WebhookDeliveries.EVENTS_AFTER, List.of("a", 1L, 10)))
        .contains("USING INDEX message_event_account (account=? AND seq>?)");
    assertThat(QueryPlans.plan(dataDirectory, WebhookDeliveries.EVENTS_BETWEEN, List.of("a", 1L, 2L, 10)))
        .contains("USING INDEX message_event_account (account=?)");
  }
}
