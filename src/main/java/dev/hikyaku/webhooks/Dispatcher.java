package dev.hikyaku.webhooks;

import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.limits.WakeSignal;
import dev.hikyaku.store.DueWebhook;
import dev.hikyaku.store.MessageEvent;
import dev.hikyaku.store.StoreException;
import dev.hikyaku.store.WebhookAttempt;
import dev.hikyaku.store.WebhookDeliveries;
import dev.hikyaku.store.WebhookDelivery;
import dev.hikyaku.store.WebhookEndpoint;
import dev.hikyaku.store.WebhookSecrets;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Sends the event feed to the webhook endpoints (Standard Webhooks 1.0), from the store's outbox.
 *
 * <p>A pass ({@link #runOnce}, or the background loop's) fans the feed's new entries out into
 * deliveries ({@link WebhookDeliveries#fanOut}), takes what is due and sends each on a virtual thread, at
 * most {@code concurrency} at once to one endpoint ({@code api.webhook-concurrency}): so events to one endpoint may
 * arrive out of order (a receiver orders by the event's {@code id} or {@code timestamp}, and dedupes
 * by {@code webhook-id}). Each attempt: the store is asked whether the delivery is still owed (the
 * pass's read may predate the end of another send of it, or its endpoint or account being
 * disabled, {@link WebhookDeliveries#isStillDue}), the {@link TargetGuard} resolves and checks the host, the
 * {@link PinnedHttpClient} POSTs one event to the checked address, signed with every secret the
 * endpoint signs with now; then the outcome is recorded in the store: a 2xx delivers; 410 Gone
 * fails the delivery and disables the endpoint; anything else (3xx, 4xx, 5xx, a timeout, a refused
 * address) is tried again on the {@link RetrySchedule}, a 429 or 503 after its {@code Retry-After},
 * and after the last attempt the delivery fails, and the endpoint is disabled when nothing sent to
 * it succeeded since that delivery was queued. Each recorded attempt is published as {@link
 * Event.WebhookAttempted} (the metrics count it by result and time its request), a disabled
 * endpoint as {@link Event.WebhookDisabled} (audit log {@code webhook_disabled}).
 *
 * <p>The loop wakes when the server publishes an event the feed records ({@link #wake}), when a
 * send ends, at the next due retry, and otherwise every {@link #POLL} give or take a fifth (for
 * replays queued by the CLI in another process). Times come from the injected {@link Clock}: tests
 * move it and call {@link #runOnce}, and never wait for a retry.
 */
public final class Dispatcher implements AutoCloseable {

  /** Due deliveries taken per pass. */
  static final int BATCH = 256;
  /** Feed entries looked at per endpoint per pass. */
  static final int FAN_OUT_EVENTS = 1000;
  static final Duration POLL = Duration.ofSeconds(5);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** The event as {@code GET /v1/events} shows it: a JSON object, the webhook body's {@code data}. */
  @FunctionalInterface
  public interface EventBodies {
    String data(MessageEvent event);
  }

  private final WebhookDeliveries webhooks;
  private final EventBodies bodies;
  private final TargetGuard guard;
  private final PinnedHttpClient client;
  private final Events events;
  private final Clock clock;
  private final RandomGenerator random; // guarded by randomLock
  private final ReentrantLock randomLock = new ReentrantLock();
  private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();
  private final Set<Long> inFlight = ConcurrentHashMap.newKeySet();
  private final Map<String, Semaphore> lanes = new ConcurrentHashMap<>();
  private final int concurrency;

  private final ReentrantLock lock = new ReentrantLock(); // guards loop
  private final WakeSignal signal = new WakeSignal();
  private Thread loop; // guarded by lock

  /** @param concurrency deliveries to one endpoint under way at once, at least 1 */
  public Dispatcher(WebhookDeliveries webhooks, EventBodies bodies, TargetGuard guard, PinnedHttpClient client, Events events,
      Clock clock, RandomGenerator random, int concurrency) {
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be at least 1, was " + concurrency);
    }
    this.concurrency = concurrency;
    this.webhooks = Objects.requireNonNull(webhooks, "webhooks");
    this.bodies = Objects.requireNonNull(bodies, "bodies");
    this.guard = Objects.requireNonNull(guard, "guard");
    this.client = Objects.requireNonNull(client, "client");
    this.events = Objects.requireNonNull(events, "events");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
  }

  /**
   * One pass: fans new events out, sends every delivery due now that is not already being sent, and
   * returns once those sends are recorded; how many attempts it made.
   */
  public int runOnce() throws StoreException {
    int attempts = 0;
    for (Future<Boolean> send : pass()) {
      try {
        attempts += send.get() ? 1 : 0;
      } catch (ExecutionException e) {
        log.error("webhook send failed unexpectedly", e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return attempts;
  }

  /** Fans out and starts the due sends; does not wait for them. */
  private List<Future<Boolean>> pass() throws StoreException {
    Instant now = clock.instant();
    webhooks.fanOut(now, FAN_OUT_EVENTS);
    List<Future<Boolean>> started = new ArrayList<>();
    for (DueWebhook due : webhooks.due(now, BATCH)) {
      if (inFlight.add(due.deliveryId())) {
        try {
          started.add(senders.submit(() -> deliver(due)));
        } catch (RejectedExecutionException closing) {
          inFlight.remove(due.deliveryId());
          break;
        }
      }
    }
    return started;
  }

  /** Sends {@code due} once, in its endpoint's lane, and records what came of it; whether it was sent. */
  private boolean deliver(DueWebhook due) {
    Semaphore lane = lanes.computeIfAbsent(due.endpointId(), id -> new Semaphore(concurrency));
    try {
      lane.acquire();
    } catch (InterruptedException e) {
      inFlight.remove(due.deliveryId());
      Thread.currentThread().interrupt();
      return false;
    }
    try {
      // The pass read it before taking it in flight: a send of it that ended in between (recorded, then
      // out of flight) would be repeated, and a wait for the lane may outlast its endpoint or account
      // being disabled. Asked afresh now, by its key.
      if (!isStillDue(due)) {
        return false;
      }
      Attempted attempted = attempt(due);
      WebhookAttempt attempt = attempted.attempt();
      boolean isDisabled = webhooks.record(attempt);
      // Told once the store has it (or passed over it: its endpoint was disabled or removed meanwhile);
      // an outcome the store could not take is sent again, and told then.
      events.publish(new Event.WebhookAttempted(attempt.at(), due.endpointId(), due.account(), "evt_" + due.eventSeq(),
          due.eventType(), due.attempts() + 1, result(attempt), attempt.responseStatus(), attempted.latency(), attempted.detail()));
      if (isDisabled) {
        events.publish(new Event.WebhookDisabled(attempt.at(), due.endpointId(), due.account(), due.url(),
            attempt.disableReason().orElse("")));
      }
      return true;
    } catch (StoreException | RuntimeException e) {
      // Not recorded: the delivery stays pending and is sent again, with the same webhook-id.
      log.warn("webhook delivery {} to {}: outcome not recorded, it is sent again: {}", due.deliveryId(), due.endpointId(),
          e.toString());
      return true;
    } finally {
      lane.release();
      inFlight.remove(due.deliveryId());
      wake();
    }
  }

  /**
   * An attempt as the store records it, and for the events: how long its request took, if one was
   * made, and what came of it in words.
   */
  private record Attempted(WebhookAttempt attempt, Optional<Duration> latency, String detail) {}

  private static Event.WebhookAttempted.Result result(WebhookAttempt attempt) {
    return switch (attempt.next()) {
      case DELIVERED -> Event.WebhookAttempted.Result.DELIVERED;
      case RETRY -> Event.WebhookAttempted.Result.RETRY;
      // DISABLE is 410's alone (see attempt); a schedule run out may disable too, but is a failure.
      case FAILED -> attempt.endpoint() == WebhookAttempt.EndpointChange.DISABLE
          ? Event.WebhookAttempted.Result.GONE : Event.WebhookAttempted.Result.FAILED;
    };
  }

  /** Whether {@code due} is owed still; not when the store cannot say now (a later pass asks again). */
  private boolean isStillDue(DueWebhook due) {
    try {
      return webhooks.isStillDue(due.deliveryId(), due.attempts());
    } catch (StoreException e) {
      log.warn("webhook delivery {} to {}: cannot tell whether it is still due, left for a later pass: {}", due.deliveryId(),
          due.endpointId(), e.toString());
      return false;
    }
  }

  /** Sends {@code due} once and says what that leads to. */
  private Attempted attempt(DueWebhook due) {
    Instant now = clock.instant();
    if (due.event().isEmpty()) {
      String gone = "event evt_" + due.eventSeq() + " is no longer kept (history.retention)";
      return new Attempted(new WebhookAttempt(due.deliveryId(), due.endpointId(), now, OptionalInt.empty(), Optional.of(gone),
          Duration.ZERO, Optional.empty(), WebhookAttempt.Next.FAILED, Optional.empty(), WebhookAttempt.EndpointChange.KEEP,
          Optional.empty()), Optional.empty(), gone);
    }
    MessageEvent event = due.event().get();
    Sent sent = send(due.url(), due.isPrivateAllowed(), due.secrets().signingAt(now), "evt_" + event.seq(), now,
        envelope(event.type(), event.at(), JSON.readTree(bodies.data(event))));
    int attempts = due.attempts() + 1;
    if (sent.isSuccess()) {
      return sent.attempt(due, now, WebhookAttempt.Next.DELIVERED, Optional.empty(), WebhookAttempt.EndpointChange.KEEP,
          Optional.empty());
    }
    if (sent.status().equals(OptionalInt.of(410))) {
      // Spec ("Disabling endpoints"): 410 says the receiver wants no more; stop at once.
      return sent.attempt(due, now, WebhookAttempt.Next.FAILED, Optional.empty(), WebhookAttempt.EndpointChange.DISABLE,
          Optional.of("410 Gone from " + due.url()));
    }
    Optional<String> retryAfter = sent.status().isPresent()
        && (sent.status().getAsInt() == 429 || sent.status().getAsInt() == 503) ? sent.retryAfter() : Optional.empty();
    Optional<Instant> next;
    randomLock.lock();
    try {
      next = RetrySchedule.next(attempts, now, retryAfter, random);
    } finally {
      randomLock.unlock();
    }
    if (next.isPresent()) {
      return sent.attempt(due, now, WebhookAttempt.Next.RETRY, next, WebhookAttempt.EndpointChange.KEEP, Optional.empty());
    }
    return sent.attempt(due, now, WebhookAttempt.Next.FAILED, Optional.empty(), WebhookAttempt.EndpointChange.DISABLE_IF_FAILING,
        Optional.of("no delivery succeeded since " + due.createdAt() + " (" + attempts + " attempts of evt_" + due.eventSeq()
            + " failed, the last: " + sent.describe() + ")"));
  }

  /**
   * Sends a {@code webhook.test} ping to {@code endpoint} now, once (whether or not it is enabled),
   * signed as events are; records it in the endpoint's delivery log and returns that entry.
   */
  public WebhookDelivery test(WebhookEndpoint endpoint, WebhookSecrets secrets) throws StoreException {
    Instant now = clock.instant();
    byte[] id = new byte[8];
    randomLock.lock();
    try {
      random.nextBytes(id);
    } finally {
      randomLock.unlock();
    }
    ObjectNode data = JSON.createObjectNode();
    data.put("webhook_id", endpoint.id());
    data.put("account", endpoint.account());
    data.put("note", "a test ping from hikyaku; it tells of no event");
    Sent sent = send(endpoint.url(), endpoint.isPrivateAllowed(), secrets.signingAt(now), "whtest_" + HexFormat.of().formatHex(id),
        now, envelope(WebhookDeliveries.TEST_TYPE, now, data));
    return webhooks.recordTest(new WebhookAttempt(0, endpoint.id(), now, sent.status(), sent.error(), sent.latency(),
        sent.snippet(), sent.isSuccess() ? WebhookAttempt.Next.DELIVERED : WebhookAttempt.Next.FAILED, Optional.empty(),
        WebhookAttempt.EndpointChange.KEEP, Optional.empty()));
  }

  /** The body: one event, {@code {"type", "timestamp", "data"}} (spec: "Payload structure"), compact. */
  static byte[] envelope(String type, Instant at, tools.jackson.databind.JsonNode data) {
    ObjectNode body = JSON.createObjectNode();
    body.put("type", type);
    body.put("timestamp", at.toString());
    body.set("data", data);
    return JSON.writeValueAsBytes(body);
  }

  /**
   * What one POST came to.
   *
   * @param isPosted whether a request went out, or was tried (not when the URL or its address was refused)
   */
  private record Sent(OptionalInt status, Optional<String> retryAfter, Optional<String> error, Optional<String> snippet,
      Duration latency, boolean isPosted) {

    boolean isSuccess() {
      return status.isPresent() && status.getAsInt() >= 200 && status.getAsInt() <= 299;
    }

    String describe() {
      return status.isPresent() ? "HTTP " + status.getAsInt() : error.orElse("no answer");
    }

    Attempted attempt(DueWebhook due, Instant at, WebhookAttempt.Next next, Optional<Instant> nextAttemptAt,
        WebhookAttempt.EndpointChange change, Optional<String> reason) {
      return new Attempted(new WebhookAttempt(due.deliveryId(), due.endpointId(), at, status, error, latency, snippet, next,
          nextAttemptAt, change, reason), isPosted ? Optional.of(latency) : Optional.empty(), describe());
    }
  }

  private Sent send(String url, boolean isPrivateAllowed, List<String> secrets, String id, Instant now, byte[] body) {
    long started = System.nanoTime();
    URI target;
    try {
      target = new URI(url);
    } catch (URISyntaxException e) {
      return new Sent(OptionalInt.empty(), Optional.empty(), Optional.of("not a URL: " + e.getMessage()), Optional.empty(),
          Duration.ZERO, false);
    }
    TargetGuard.Verdict verdict = guard.check(target, isPrivateAllowed);
    if (verdict instanceof TargetGuard.Verdict.Refused refused) {
      return new Sent(OptionalInt.empty(), Optional.empty(), Optional.of("refused: " + refused.reason()), Optional.empty(),
          Duration.ofNanos(System.nanoTime() - started), false);
    }
    long timestamp = now.getEpochSecond();
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("webhook-id", id);
    headers.put("webhook-timestamp", Long.toString(timestamp));
    headers.put("webhook-signature", Signature.header(secrets, id, timestamp, body));
    // The latency of a request is the receiver's: connect to the end of the answer, the lookup before it not counted.
    long posted = System.nanoTime();
    try {
      PinnedHttpClient.Response response = client.post((TargetGuard.Verdict.Allowed) verdict, headers, body);
      return new Sent(OptionalInt.of(response.status()), response.retryAfter(), Optional.empty(),
          Optional.of(response.snippet()), Duration.ofNanos(System.nanoTime() - posted), true);
    } catch (IOException | RuntimeException e) {
      log.debug("webhook {} to {}: {}", id, url, e.toString());
      return new Sent(OptionalInt.empty(), Optional.empty(), Optional.of(e.getClass().getSimpleName() + ": " + e.getMessage()),
          Optional.empty(), Duration.ofNanos(System.nanoTime() - posted), true);
    }
  }

  /** Starts the background loop on a thread of its own. */
  public void start() {
    lock.lock();
    try {
      if (loop != null || signal.isClosed()) {
        throw new IllegalStateException("dispatcher already started or closed");
      }
      loop = Thread.ofVirtual().name("webhook-dispatcher").start(this::runLoop);
    } finally {
      lock.unlock();
    }
  }

  /** Something was recorded, or a send ended: run a pass now rather than at the next poll. */
  public void wake() {
    signal.wake();
  }

  private void runLoop() {
    while (!signal.isClosed()) {
      Duration wait = poll();
      try {
        pass();
        Optional<Instant> next = webhooks.nextDue();
        if (next.isPresent()) {
          Duration until = Duration.between(clock.instant(), next.get());
          // Due now and still not started: in flight, and its end wakes the loop.
          if (!until.isNegative() && !until.isZero() && until.compareTo(wait) < 0) {
            wait = until;
          }
        }
      } catch (StoreException | RuntimeException e) {
        log.warn("webhook pass failed; trying again in {}: {}", wait, e.toString());
      }
      signal.await(wait);
    }
  }

  /** {@link #POLL}, give or take a fifth, so that servers sharing receivers do not poll in step. */
  private Duration poll() {
    randomLock.lock();
    try {
      return Duration.ofMillis(Math.round(POLL.toMillis() * (0.8 + 0.4 * random.nextDouble())));
    } finally {
      randomLock.unlock();
    }
  }



  /**
   * Stops the loop and lets the sends under way finish and be recorded (each is bounded by the
   * client's timeout); one still running after that is cut off, and sent again after a restart.
   */
  @Override
  public void close() {
    Thread running;
    signal.close();
    lock.lock();
    try {
      running = loop;
    } finally {
      lock.unlock();
    }
    try {
      if (running != null) {
        running.join(CLOSE_WAIT);
      }
      senders.shutdown();
      if (!senders.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        senders.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      senders.shutdownNow();
    }
  }
}
