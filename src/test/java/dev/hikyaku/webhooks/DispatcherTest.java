package dev.hikyaku.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.store.AttemptOutcome;
import dev.hikyaku.store.AttemptRecord;
import dev.hikyaku.store.Credentials;
import dev.hikyaku.store.FromHeaderPolicy;
import dev.hikyaku.store.NewMessage;
import dev.hikyaku.store.NewRecipient;
import dev.hikyaku.store.Origin;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.RecipientOutcome;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.WebhookDeliveries;
import dev.hikyaku.store.WebhookDelivery;
import dev.hikyaku.store.WebhookEndpoint;
import dev.hikyaku.testing.SettableClock;
import dev.hikyaku.testing.WebhookReceiver;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dispatcher against a real HTTP receiver on loopback (allowed explicitly) and a real store,
 * with the clock moved by hand: retries keep their webhook-id, a 410 disables, Retry-After is
 * honoured, the schedule ends in a failure that disables a failing endpoint, a replay sends the same
 * ids again, a test ping and a rotation sign as they should, and a private target is refused unless
 * allowed. No test waits for a retry.
 */
class DispatcherTest {

  private static final Instant T0 = Instant.parse("2026-12-01T09:00:00Z");
  private static final String ACCOUNT = "alice@example.org";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir Path data;
  private final SettableClock clock = new SettableClock(T0);
  private final SplittableRandom random = new SplittableRandom(11);
  private final List<Event> published = new CopyOnWriteArrayList<>();
  private Store store;
  private WebhookReceiver receiver;
  private Dispatcher dispatcher;

  @BeforeEach
  void start() throws Exception {
    store = Store.openSqlite(data, Clock.fixed(T0, ZoneOffset.UTC));
    store.domains().add("example.org");
    store.accounts().create(ACCOUNT, Credentials.none(), FromHeaderPolicy.REJECT);
    receiver = WebhookReceiver.start(0);
    dispatcher = dispatcher(4);
  }

  /** A dispatcher over the store, at most {@code concurrency} requests under way to one endpoint. */
  private Dispatcher dispatcher(int concurrency) throws Exception {
    TargetGuard guard = new TargetGuard(host -> List.of(InetAddress.getAllByName(host)));
    return new Dispatcher(store.webhookDeliveries(), event -> "{\"id\":\"evt_" + event.seq() + "\",\"type\":\"" + event.type() + "\"}",
        guard, new PinnedHttpClient(SSLContext.getDefault(), Duration.ofSeconds(5)), new Events(List.of(published::add)), clock,
        random, concurrency);
  }

  @AfterEach
  void stop() {
    dispatcher.close();
    receiver.close();
    store.close();
  }

  /** An endpoint of the account for message.delivered, at the receiver unless {@code url} says otherwise; its secret. */
  private String endpoint(String id, String url, boolean isPrivateAllowed) throws Exception {
    String secret = Signature.newSecret(new java.security.SecureRandom());
    store.webhooks().add(WebhookEndpoint.created(id, ACCOUNT, url, List.of("message.delivered"), Optional.empty(),
        Optional.empty(), isPrivateAllowed, clock.instant()), secret);
    return secret;
  }

  /** A message of the account delivered to one recipient: one message.delivered in the feed. */
  private void delivered(String to) throws Exception {
    QueueId id = QueueId.generate(clock, random);
    Instant at = clock.instant();
    store.queue().accept(new NewMessage(id, at, ACCOUNT, "", List.of(new NewRecipient(to, "")),
        new Origin("submission", "127.0.0.1", "client.example", null, null, ACCOUNT),
        "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)));
    store.queue().record(id, List.of(RecipientOutcome.delivered(to, "250", at)),
        List.of(new AttemptRecord(id, to, 1, at, AttemptOutcome.DELIVERED, "2.0.0", "smtp; 250 ok", Optional.empty(),
            Optional.empty(), Optional.empty(), Duration.ZERO, Optional.empty())));
  }

  private static void assertSigned(WebhookReceiver.Request request, String secret) {
    assertThat(Signature.verifies(request.signature(), secret, request.id(), Long.parseLong(request.timestamp()), request.body()))
        .as("the signature of %s verifies", request.id()).isTrue();
  }

  /** Endpoint {@code id} at the receiver, and one event sent to it once, which the receiver answers {@code status}. */
  private void firstEventAnswered(String id, int status) throws Exception {
    endpoint(id, receiver.url("/" + id), true);
    receiver.script(WebhookReceiver.Answer.of(status));
    delivered("x@example.net");
    dispatcher.runOnce();
  }

  private List<Event.WebhookAttempted> attempts() {
    return published.stream().filter(e -> e instanceof Event.WebhookAttempted).map(e -> (Event.WebhookAttempted) e).toList();
  }

  private WebhookDelivery onlyDelivery(String endpoint) throws Exception {
    return store.webhookDeliveries().deliveries(endpoint, OptionalLong.empty(), 10).getFirst();
  }

  @Test
  void aFailedAttemptIsRetriedWithTheSameIdOnceTheClockSaysSo() throws Exception {
    String secret = endpoint("wh_retry", receiver.url("/hook"), true);
    receiver.script(WebhookReceiver.Answer.of(500));
    delivered("x@example.net");

    assertThat(dispatcher.runOnce()).isEqualTo(1);
    assertThat(onlyDelivery("wh_retry").status()).isEqualTo("pending");
    assertThat(onlyDelivery("wh_retry").responseStatus()).hasValue(500);
    assertThat(onlyDelivery("wh_retry").response()).hasValue("answered 500");
    assertThat(dispatcher.runOnce()).as("not due before 5 s less a tenth").isZero();
    clock.advance(Duration.ofMillis(4400));
    assertThat(dispatcher.runOnce()).isZero();
    clock.advance(Duration.ofMillis(1200));
    assertThat(dispatcher.runOnce()).isEqualTo(1);

    List<WebhookReceiver.Request> got = receiver.requests();
    assertThat(got).hasSize(2);
    assertThat(got.get(0).id()).startsWith("evt_").isEqualTo(got.get(1).id());
    assertThat(got.get(0).body()).isEqualTo(got.get(1).body());
    assertThat(Long.parseLong(got.get(1).timestamp()) - Long.parseLong(got.get(0).timestamp()))
        .as("webhook-timestamp is each attempt's").isBetween(4L, 6L);
    got.forEach(request -> assertSigned(request, secret));
    JsonNode body = JSON.readTree(got.get(0).text());
    assertThat(body.propertyNames()).containsExactly("type", "timestamp", "data");
    assertThat(body.get("type").asString()).isEqualTo("message.delivered");
    assertThat(body.get("data").get("id").asString()).isEqualTo(got.get(0).id());
    assertThat(got.get(0).path()).isEqualTo("/hook");

    WebhookDelivery done = onlyDelivery("wh_retry");
    assertThat(done.status()).isEqualTo("delivered");
    assertThat(done.attempts()).isEqualTo(2);
    assertThat(done.responseStatus()).hasValue(200);
    assertThat(done.latencyMillis()).isPresent();
    assertThat(store.webhooks().find("wh_retry").orElseThrow().lastSuccessAt()).isPresent();
    // Each recorded attempt is told, for the metrics and the log.
    assertThat(attempts()).extracting(Event.WebhookAttempted::result, Event.WebhookAttempted::attempt, e -> e.status().getAsInt())
        .containsExactly(tuple(Event.WebhookAttempted.Result.RETRY, 1, 500), tuple(Event.WebhookAttempted.Result.DELIVERED, 2, 200));
    assertThat(attempts()).allSatisfy(e -> {
      assertThat(e.endpointId()).isEqualTo("wh_retry");
      assertThat(e.account()).isEqualTo(ACCOUNT);
      assertThat(e.webhookId()).isEqualTo(got.get(0).id());
      assertThat(e.type()).isEqualTo("message.delivered");
      assertThat(e.latency()).isPresent();
    });
    assertThat(attempts().getFirst().detail()).isEqualTo("HTTP 500");
  }

  @Test
  void goneDisablesTheEndpointAndTheAuditHearsOfIt() throws Exception {
    endpoint("wh_gone", receiver.url("/gone"), true);
    receiver.script(WebhookReceiver.Answer.of(410));
    delivered("x@example.net");
    delivered("y@example.net");
    // Concurrency 4: both go out in this pass; whichever comes second may already find the endpoint disabled.
    dispatcher.runOnce();

    WebhookEndpoint endpoint = store.webhooks().find("wh_gone").orElseThrow();
    assertThat(endpoint.isEnabled()).isFalse();
    assertThat(endpoint.disabledReason()).hasValue("410 Gone from " + receiver.url("/gone"));
    assertThat(published).filteredOn(e -> e instanceof Event.WebhookDisabled).singleElement()
        .isEqualTo(new Event.WebhookDisabled(T0, "wh_gone", ACCOUNT, receiver.url("/gone"), "410 Gone from " + receiver.url("/gone")));
    assertThat(store.webhookDeliveries().deliveries("wh_gone", OptionalLong.empty(), 10)).extracting(WebhookDelivery::status)
        .doesNotContain("pending");
    assertThat(attempts()).extracting(Event.WebhookAttempted::result).contains(Event.WebhookAttempted.Result.GONE);
    assertThat(published.indexOf(attempts().getFirst())).as("the attempt, then what it did to the endpoint")
        .isLessThan(published.indexOf(published.stream().filter(e -> e instanceof Event.WebhookDisabled).findFirst().orElseThrow()));
    delivered("z@example.net");
    clock.advance(Duration.ofDays(1));
    int before = receiver.requests().size();
    assertThat(dispatcher.runOnce()).isZero();
    assertThat(receiver.requests()).hasSize(before);
  }

  @Test
  void anEndpointEnabledAgainAfter410GetsWhatHappensFromThenOnAndAReplayWhatItMissed() throws Exception {
    firstEventAnswered("wh_back", 410);
    assertThat(store.webhooks().find("wh_back").orElseThrow().isEnabled()).isFalse();
    delivered("y@example.net"); // while disabled

    clock.advance(Duration.ofMinutes(10));
    assertThat(store.webhooks().enable("wh_back")).isTrue();
    assertThat(dispatcher.runOnce()).as("nothing again by itself").isZero();
    delivered("z@example.net");
    assertThat(dispatcher.runOnce()).isEqualTo(1);
    List<WebhookReceiver.Request> got = receiver.requests();
    assertThat(got).hasSize(2);
    assertThat(JSON.readTree(got.get(1).text()).get("timestamp").asString()).isEqualTo(clock.instant().toString());

    // The replay of the time before: the event the 410 answered and the one of the disabled time.
    assertThat(store.webhookDeliveries().replay("wh_back", T0, clock.instant(), clock.instant(), 100).queued()).isEqualTo(2);
    assertThat(dispatcher.runOnce()).isEqualTo(2);
    // Each message has two events in the feed (accepted, delivered): x's delivered is evt_2, y's evt_4, z's evt_6.
    List<String> ids = receiver.requests().stream().map(WebhookReceiver.Request::id).toList();
    assertThat(ids.subList(0, 2)).containsExactly("evt_2", "evt_6");
    assertThat(ids.subList(2, 4)).containsExactlyInAnyOrder("evt_2", "evt_4");
  }

  @Test
  void retryAfterIsHonouredAndTheScheduleEndsInAFailureThatDisablesAFailingEndpoint() throws Exception {
    endpoint("wh_down", receiver.url("/down"), true);
    receiver.script(new WebhookReceiver.Answer(503, Optional.of("120"))).otherwise(WebhookReceiver.Answer.of(500));
    delivered("x@example.net");
    dispatcher.runOnce();
    assertThat(onlyDelivery("wh_down").nextAttemptAt()).hasValue(T0.plusSeconds(120));
    clock.advance(Duration.ofSeconds(119));
    assertThat(dispatcher.runOnce()).isZero();
    clock.advance(Duration.ofSeconds(1));
    assertThat(dispatcher.runOnce()).isEqualTo(1);

    // The rest of the schedule, a day at a time: 10 attempts in all.
    for (int day = 0; day < 10; day++) {
      clock.advance(Duration.ofDays(1));
      dispatcher.runOnce();
    }
    assertThat(receiver.requests()).hasSize(RetrySchedule.ATTEMPTS);
    assertThat(attempts()).extracting(Event.WebhookAttempted::result).endsWith(Event.WebhookAttempted.Result.FAILED)
        .containsOnlyOnce(Event.WebhookAttempted.Result.FAILED).hasSize(RetrySchedule.ATTEMPTS);
    WebhookDelivery failed = onlyDelivery("wh_down");
    assertThat(failed.status()).isEqualTo("failed");
    assertThat(failed.attempts()).isEqualTo(RetrySchedule.ATTEMPTS);
    WebhookEndpoint endpoint = store.webhooks().find("wh_down").orElseThrow();
    assertThat(endpoint.isEnabled()).isFalse();
    assertThat(endpoint.disabledReason()).get().asString().startsWith("no delivery succeeded since").contains("HTTP 500");
    assertThat(published).filteredOn(e -> e instanceof Event.WebhookDisabled).hasSize(1);
  }

  @Test
  void aReplaySendsTheSameEventsWithTheirIdsAgain() throws Exception {
    String secret = endpoint("wh_replay", receiver.url("/r"), true);
    delivered("x@example.net");
    delivered("y@example.net");
    dispatcher.runOnce();
    List<WebhookReceiver.Request> first = receiver.requests();
    assertThat(first).hasSize(2);

    clock.advance(Duration.ofHours(1));
    assertThat(store.webhookDeliveries().replay("wh_replay", T0, T0.plusSeconds(1), clock.instant(), 100).queued()).isEqualTo(2);
    dispatcher.runOnce();
    List<WebhookReceiver.Request> all = receiver.requests();
    assertThat(all).hasSize(4);
    assertThat(all.subList(2, 4)).extracting(WebhookReceiver.Request::id)
        .containsExactlyInAnyOrderElementsOf(first.stream().map(WebhookReceiver.Request::id).toList());
    all.forEach(request -> assertSigned(request, secret));
    assertThat(store.webhookDeliveries().deliveries("wh_replay", OptionalLong.empty(), 10)).extracting(WebhookDelivery::kind)
        .containsExactly("replay", "replay", "event", "event");
  }

  @Test
  void aPingAndARotationSignWithEverySecretInForce() throws Exception {
    String old = endpoint("wh_ping", receiver.url("/p"), true);
    String current = Signature.newSecret(new java.security.SecureRandom());
    store.webhooks().rotate("wh_ping", current, clock.instant().plus(Duration.ofHours(24)));
    WebhookEndpoint endpoint = store.webhooks().find("wh_ping").orElseThrow();

    WebhookDelivery ping = dispatcher.test(endpoint, store.webhooks().secrets("wh_ping"));
    assertThat(ping.kind()).isEqualTo("test");
    assertThat(ping.status()).isEqualTo("delivered");
    WebhookReceiver.Request request = receiver.requests().getFirst();
    assertThat(request.id()).startsWith("whtest_");
    assertThat(request.signature().split(" ")).hasSize(2);
    assertSigned(request, current);
    assertSigned(request, old);
    JsonNode body = JSON.readTree(request.text());
    assertThat(body.get("type").asString()).isEqualTo(WebhookDeliveries.TEST_TYPE);
    assertThat(body.get("data").get("webhook_id").asString()).isEqualTo("wh_ping");

    // A day later the old secret no longer signs.
    clock.advance(Duration.ofHours(24));
    dispatcher.test(endpoint, store.webhooks().secrets("wh_ping"));
    WebhookReceiver.Request later = receiver.requests().get(1);
    assertThat(later.signature().split(" ")).hasSize(1);
    assertSigned(later, current);
  }

  @Test
  void noMoreRequestsToOneEndpointAreUnderWayAtOnceThanTheConcurrencyAllows() throws Exception {
    endpoint("wh_lane", receiver.url("/lane"), true);
    for (int concurrency : new int[] {1, 3}) {
      for (int i = 0; i < 5; i++) {
        delivered(concurrency + "-" + i + "@example.net");
      }
      receiver.hold();
      try (Dispatcher limited = dispatcher(concurrency)) {
        Thread pass = Thread.ofVirtual().start(() -> {
          try {
            limited.runOnce();
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        });
        assertThat(receiver.awaitUnderWay(concurrency, 10)).as("%d under way at once", concurrency).isTrue();
        receiver.release();
        pass.join(Duration.ofSeconds(20));
        assertThat(pass.isAlive()).isFalse();
      }
      // Held answers keep the ones under way from ending: had a lane let one more through, it would show here.
      assertThat(receiver.mostUnderWay()).isEqualTo(concurrency);
    }
    assertThat(store.webhookDeliveries().deliveries("wh_lane", OptionalLong.empty(), 20)).hasSize(10)
        .extracting(WebhookDelivery::status).containsOnly("delivered");
  }

  @Test
  void aDeliveryWaitingForItsLaneIsAskedAfreshAndNotSentOnceItsAccountIsDisabled() throws Exception {
    endpoint("wh_wait", receiver.url("/wait"), true);
    delivered("x@example.net");
    delivered("y@example.net");
    receiver.hold();
    try (Dispatcher oneAtATime = dispatcher(1)) {
      java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
      Thread pass = Thread.ofVirtual().start(() -> {
        try {
          attempts.set(oneAtATime.runOnce());
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      });
      assertThat(receiver.awaitUnderWay(1, 10)).isTrue();
      store.accounts().setDisabled(ACCOUNT, true);
      receiver.release();
      pass.join(Duration.ofSeconds(20));
      assertThat(attempts.get()).as("the one under way; the other found its account disabled").isEqualTo(1);
    }
    assertThat(receiver.requests()).hasSize(1);
    assertThat(store.webhookDeliveries().deliveries("wh_wait", OptionalLong.empty(), 10)).extracting(WebhookDelivery::status)
        .containsExactlyInAnyOrder("delivered", "pending");
  }

  @Test
  void aDisabledAccountsEventsAreHeldThroughTheScheduleAndGoOutWhenItIsEnabledAgain() throws Exception {
    firstEventAnswered("wh_hold", 500);
    assertThat(onlyDelivery("wh_hold").attempts()).isEqualTo(1);

    store.accounts().setDisabled(ACCOUNT, true);
    delivered("y@example.net");
    for (int day = 0; day < 5; day++) {
      clock.advance(Duration.ofDays(1));
      assertThat(dispatcher.runOnce()).as("held: neither sent nor failed").isZero();
    }
    assertThat(receiver.requests()).hasSize(1);
    assertThat(store.webhookDeliveries().deliveries("wh_hold", OptionalLong.empty(), 10)).extracting(WebhookDelivery::status)
        .containsExactly("pending");
    assertThat(store.webhooks().find("wh_hold").orElseThrow().isEnabled()).isTrue();

    store.accounts().setDisabled(ACCOUNT, false);
    assertThat(dispatcher.runOnce()).as("the retry owed and the event of the disabled time").isEqualTo(2);
    assertThat(receiver.requests()).hasSize(3);
    assertThat(store.webhookDeliveries().deliveries("wh_hold", OptionalLong.empty(), 10)).extracting(WebhookDelivery::status)
        .containsExactly("delivered", "delivered");
    assertThat(published).filteredOn(e -> e instanceof Event.WebhookDisabled).isEmpty();
  }

  @Test
  void aPrivateTargetIsRefusedUnlessTheEndpointAllowsIt() throws Exception {
    endpoint("wh_private", receiver.url("/p"), false);
    delivered("x@example.net");
    dispatcher.runOnce();
    assertThat(receiver.requests()).isEmpty();
    WebhookDelivery refused = onlyDelivery("wh_private");
    assertThat(refused.status()).as("a refused target is retried: DNS may change").isEqualTo("pending");
    assertThat(refused.responseStatus()).isEmpty();
    assertThat(refused.error()).get().asString().startsWith("refused: the URL must be https://");
    assertThat(attempts()).singleElement().satisfies(e -> {
      assertThat(e.result()).isEqualTo(Event.WebhookAttempted.Result.RETRY);
      assertThat(e.status()).isEmpty();
      assertThat(e.latency()).as("no request went out").isEmpty();
      assertThat(e.detail()).startsWith("refused: ");
    });

    String https = "https://127.0.0.1:" + receiver.port() + "/p";
    endpoint("wh_private2", https, false);
    delivered("y@example.net");
    clock.advance(Duration.ofSeconds(10));
    dispatcher.runOnce();
    assertThat(onlyDelivery("wh_private2").error()).get().asString().contains("loopback");
    assertThat(receiver.requests()).isEmpty();
  }
}
