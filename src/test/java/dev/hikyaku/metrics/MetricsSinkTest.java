package dev.hikyaku.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.events.Event;
import dev.hikyaku.events.Event.AuthAttempt.Kind;
import dev.hikyaku.events.Event.AuthAttempt.Result;
import dev.hikyaku.protocol.EnhancedStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class MetricsSinkTest {

  private static final Instant AT = Instant.parse("2026-01-02T03:04:05Z");
  private static final List<String> LISTENERS = List.of("relay", "submission", "submissions");
  private static final String CLIENT = "203.0.113.9";

  private final MetricsSink sink = new MetricsSink(LISTENERS, () -> 0);

  private Scrape scrape() {
    return Scrape.parse(sink.scrape());
  }

  private static Event.AuthAttempt auth(String listener, String mechanism, String account, Result result) {
    return new Event.AuthAttempt(AT, "s1", listener, CLIENT, "TLSv1.3", "TLS_AES_128_GCM_SHA256", mechanism, account, result, "why");
  }

  /** The label of each kind, as dashboards and alerts name it (the first six as before kinds were typed). */
  private static final Map<Kind, String> AUTH_LABELS =
      Map.of(
          Kind.SUCCESS, "success",
          Kind.INVALID_CREDENTIALS, "invalid_credentials",
          Kind.TOO_WEAK, "too_weak",
          Kind.TEMPORARY, "temporary",
          Kind.MALFORMED, "malformed",
          Kind.CANCELLED, "cancelled",
          Kind.BLOCKED, "blocked",
          Kind.RATE_LIMITED, "rate_limited");

  /** A result of {@code kind} with a reply code of its class (the code never reaches a label). */
  private static Result result(Kind kind) {
    return kind == Kind.SUCCESS
        ? new Result(kind, 235, EnhancedStatus.of(2, 7, 0))
        : new Result(kind, 535, EnhancedStatus.of(5, 7, 8));
  }

  @Test
  void contentScansAreCountedByActionAndOutcome() {
    for (String action : List.of("reject", "reject", "no action", "infected: Eicar-Test-Signature", "unavailable: rspamd did not answer")) {
      sink.accept(new Event.ContentScanned(Instant.EPOCH, "Q", "smtp:relay", "", Optional.empty(), action, 0, 15,
          List.of(), action.equals("no action") ? "queued" : "refused"));
    }
    Scrape s = Scrape.parse(sink.scrape());
    assertThat(s.value("hikyaku_content_scans_total", "action", "reject", "outcome", "refused")).isEqualTo(2);
    assertThat(s.value("hikyaku_content_scans_total", "action", "no_action", "outcome", "queued")).isEqualTo(1);
    assertThat(s.value("hikyaku_content_scans_total", "action", "infected", "outcome", "refused")).isEqualTo(1);
    assertThat(s.value("hikyaku_content_scans_total", "action", "unavailable", "outcome", "refused")).isEqualTo(1);
  }

  @Test
  void everyAuthResultKindHasItsOwnLabel() {
    // Typed kinds: a new way for AUTH to end is a new enum constant, and fails here until it has a label.
    assertThat(AUTH_LABELS).containsOnlyKeys(Kind.values());
    assertThat(Set.copyOf(AUTH_LABELS.values())).as("labels are distinct").hasSize(Kind.values().length);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void everyAuthResultKindIsItsOwnSeries(Kind kind) {
    sink.accept(auth("submission", "PLAIN", "alice@hikyaku.test", result(kind)));

    Scrape s = scrape();
    assertThat(s.value("hikyaku_auth_attempts_total", "listener", "submission", "mechanism", "PLAIN", "result", AUTH_LABELS.get(kind)))
        .isEqualTo(1);
    assertThat(s.labelValues("hikyaku_auth_attempts_total", "result")).containsExactly(AUTH_LABELS.get(kind));
  }

  @Test
  void authSeriesOfTheOfferedMechanismsStartAtZero() {
    MetricsSink offering =
        new MetricsSink(LISTENERS, Map.of("relay", List.of(), "submission", List.of("PLAIN", "SCRAM-SHA-256"),
            "submissions", List.of("PLAIN"), "not-a-listener", List.of("LOGIN")), () -> 0, java.util.Optional::empty,
            java.time.Clock.systemUTC());

    Scrape s = Scrape.parse(offering.scrape());
    for (String label : AUTH_LABELS.values()) {
      assertThat(s.value("hikyaku_auth_attempts_total", "listener", "submission", "mechanism", "PLAIN", "result", label)).isZero();
      assertThat(s.value("hikyaku_auth_attempts_total", "listener", "submission", "mechanism", "SCRAM-SHA-256", "result", label))
          .isZero();
      assertThat(s.value("hikyaku_auth_attempts_total", "listener", "submissions", "mechanism", "PLAIN", "result", label)).isZero();
    }
    assertThat(s.labelValues("hikyaku_auth_attempts_total", "listener")).as("only listeners that offer AUTH")
        .containsExactlyInAnyOrder("submission", "submissions");
    assertThat(s.labelValues("hikyaku_auth_attempts_total", "result")).containsExactlyInAnyOrderElementsOf(AUTH_LABELS.values());
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(Event.ProtocolViolation.Violation.class)
  void everyViolationKindIsItsOwnSeries(Event.ProtocolViolation.Violation kind) {
    // Typed kinds: a new defence is a new enum constant and its own series, never "other".
    sink.accept(new Event.ProtocolViolation(AT, "s1", CLIENT, kind, "detail " + CLIENT));

    assertThat(scrape().value("hikyaku_protocol_violations_total", "kind", kind.label())).isEqualTo(1);
  }

  @ParameterizedTest
  @CsvSource({
    "'554 5.6.0 Message contains bare CR or LF', 554 5.6.0",
    "'552 5.3.4 Message size exceeds fixed maximum message size', 552 5.3.4",
    "'451 4.3.0 Local error in processing', 451 4.3.0",
    "'550 5.7.1 <spy@victim.example>: From: not yours', 550 5.7.1",
    "'550-5.7.1 first line\r\n550 5.7.1 second line', 550 5.7.1",
    "'554 no enhanced code here', 554",
    "'250 2.0.0 Ok', other",
    "'garbage', other",
    "'', other",
  })
  void messageRejectionsKeepOnlyTheReplyCodes(String reply, String label) {
    assertThat(Labels.refusal(reply)).isEqualTo(label);
  }

  @Test
  void countsEachEvent() {
    sink.accept(new Event.ConnectionOpened(AT, "s1", "relay", CLIENT));
    sink.accept(new Event.ConnectionOpened(AT, "s2", "relay", CLIENT));
    sink.accept(new Event.ConnectionRefused(AT, "submission", CLIENT, "CLIENT_LIMIT"));
    sink.accept(new Event.TlsEstablished(AT, "s1", "TLSv1.3", "TLS_AES_128_GCM_SHA256"));
    sink.accept(new Event.TlsFailed(AT, "s2", "Unsupported or unrecognized SSL message"));
    sink.accept(new Event.SenderRejected(AT, "s1", CLIENT, "a@b.example", "550 5.7.1 no", "sender-ownership", "not yours"));
    sink.accept(new Event.RecipientRejected(AT, "s1", CLIENT, "x@elsewhere.example", "554 5.7.1 no", "relay",
        "relay denied: elsewhere.example is not a hosted domain"));
    sink.accept(new Event.RecipientRejected(AT, "s1", CLIENT, "x@hikyaku.test", "550 5.1.1 no", "rates", "no such user"));
    sink.accept(new Event.MessageRejected(AT, "s1", CLIENT, "554 5.6.0 Message contains bare CR or LF", "BARE_LINE_ENDING"));
    sink.accept(new Event.MessageAccepted(AT, "s1", "Q1", "smtp:relay", "a@b.example", List.of("bob@hikyaku.test"), 3000));
    sink.accept(new Event.MessageAccepted(AT, "s1", "Q2", "smtp:relay", "a@b.example", List.of("bob@hikyaku.test"), 5000));
    sink.accept(new Event.ConnectionClosed(AT, "s1", "quit", 250));
    sink.accept(new Event.ConnectionClosed(AT, "s2", "timeout", 300_000));

    Scrape s = scrape();
    assertThat(s.value("hikyaku_connections_total", "listener", "relay", "outcome", "opened")).isEqualTo(2);
    assertThat(s.value("hikyaku_connections_total", "listener", "submission", "outcome", "refused")).isEqualTo(1);
    assertThat(s.value("hikyaku_connections_total", "listener", "submission", "outcome", "opened")).isZero();
    assertThat(s.value("hikyaku_tls_handshakes_total", "outcome", "ok", "protocol", "TLSv1.3")).isEqualTo(1);
    assertThat(s.value("hikyaku_tls_handshakes_total", "outcome", "failed", "protocol", "none")).isEqualTo(1);
    assertThat(s.value("hikyaku_senders_rejected_total")).isEqualTo(1);
    assertThat(s.value("hikyaku_recipients_rejected_total", "reason", "relay")).isEqualTo(1);
    assertThat(s.value("hikyaku_recipients_rejected_total", "reason", "other")).isEqualTo(1);
    assertThat(s.value("hikyaku_messages_rejected_total", "reason", "554 5.6.0")).isEqualTo(1);
    assertThat(s.value("hikyaku_messages_accepted_total", "source", "smtp:relay")).isEqualTo(2);
    assertThat(s.value("hikyaku_message_size_bytes_count")).isEqualTo(2);
    assertThat(s.value("hikyaku_message_size_bytes_sum")).isEqualTo(8000);
    assertThat(s.value("hikyaku_message_size_bytes_bucket", "le", "4096.0")).isEqualTo(1);
    assertThat(s.value("hikyaku_session_duration_seconds_count")).isEqualTo(2);
    assertThat(s.value("hikyaku_session_duration_seconds_sum")).isEqualTo(300.25);
    assertThat(s.value("hikyaku_session_duration_seconds_bucket", "le", "0.5")).isEqualTo(1);
    assertThat(s.value("hikyaku_session_duration_seconds_bucket", "le", "300.0")).isEqualTo(2);
  }

  @Test
  void deliveriesAreCountedByOutcomeRouteKindAndStatusClass() {
    var mx = new dev.hikyaku.events.AttemptFacts(dev.hikyaku.events.AttemptFacts.Route.MX, java.util.Optional.empty(),
        java.time.Duration.ZERO, java.time.Duration.ZERO);
    var maildir = new dev.hikyaku.events.AttemptFacts(dev.hikyaku.events.AttemptFacts.Route.MAILDIR, java.util.Optional.empty(),
        java.time.Duration.ZERO, java.time.Duration.ZERO);
    sink.accept(new Event.DeliveryAttempted(AT, "Q1", "a@example.net", 1, dev.hikyaku.protocol.DeliveryReasons.dnsFailure("example.net", "x"),
        mx, java.time.Duration.ofSeconds(2), java.time.Duration.ZERO));
    sink.accept(new Event.DeliveryAttempted(AT, "Q1", "b@hikyaku.test", 1, dev.hikyaku.protocol.DeliveryReasons.deliveredToMaildir("ok"),
        maildir, java.time.Duration.ofMillis(300), java.time.Duration.ZERO));
    sink.accept(new Event.DeliveryAttempted(AT, "Q2", "c@example.org", 1, dev.hikyaku.protocol.DeliveryReasons.nullMx("example.org"),
        dev.hikyaku.events.AttemptFacts.NONE, java.time.Duration.ofSeconds(1), java.time.Duration.ZERO));
    sink.accept(new Event.DeliveryBounced(AT, "Q2", "c@example.org", dev.hikyaku.protocol.DeliveryReasons.nullMx("example.org")));
    sink.accept(new Event.DsnQueued(AT, "Q2", "Q3", "s@example.com", dev.hikyaku.protocol.DeliveryStatus.Action.FAILED, List.of("c@example.org")));

    Scrape s = scrape();
    assertThat(s.value("hikyaku_deliveries_total", "outcome", "deferred", "route_kind", "mx", "status_class", "4xx")).isEqualTo(1);
    assertThat(s.value("hikyaku_deliveries_total", "outcome", "delivered", "route_kind", "maildir", "status_class", "2xx")).isEqualTo(1);
    assertThat(s.value("hikyaku_deliveries_total", "outcome", "failed", "route_kind", "none", "status_class", "5xx")).isEqualTo(1);
    assertThat(s.value("hikyaku_delivery_ends_total", "end", "bounced")).isEqualTo(1);
    assertThat(s.value("hikyaku_dsn_queued_total", "action", "failed")).isEqualTo(1);
    assertThat(s.value("hikyaku_delivery_delay_seconds_count")).as("only deliveries have a delay").isEqualTo(1);
    assertThat(s.value("hikyaku_delivery_delay_seconds_bucket", "le", "0.5")).isEqualTo(1);
  }

  @Test
  void webhookAttemptsAreCountedByResultAndTheRequestsTimed() {
    for (Event.WebhookAttempted.Result result : Event.WebhookAttempted.Result.values()) {
      assertThat(scrape().value("hikyaku_webhook_deliveries_total", "result", result.label())).as("starts at 0").isZero();
    }
    sink.accept(webhook(1, Event.WebhookAttempted.Result.RETRY, java.util.OptionalInt.of(503), 40));
    sink.accept(webhook(2, Event.WebhookAttempted.Result.DELIVERED, java.util.OptionalInt.of(200), 80));
    sink.accept(webhook(1, Event.WebhookAttempted.Result.DELIVERED, java.util.OptionalInt.of(204), 3000));
    sink.accept(webhook(1, Event.WebhookAttempted.Result.GONE, java.util.OptionalInt.of(410), 20));
    // Refused before connecting, or an event no longer kept: counted, not timed.
    sink.accept(new Event.WebhookAttempted(AT, "wh_1", "a@example.com", "evt_9", "message.bounced", 10,
        Event.WebhookAttempted.Result.FAILED, java.util.OptionalInt.empty(), java.util.Optional.empty(), "refused: loopback"));

    Scrape s = scrape();
    assertThat(s.value("hikyaku_webhook_deliveries_total", "result", "delivered")).isEqualTo(2);
    assertThat(s.value("hikyaku_webhook_deliveries_total", "result", "retry")).isEqualTo(1);
    assertThat(s.value("hikyaku_webhook_deliveries_total", "result", "gone")).isEqualTo(1);
    assertThat(s.value("hikyaku_webhook_deliveries_total", "result", "failed")).isEqualTo(1);
    assertThat(s.labelValues("hikyaku_webhook_deliveries_total", "result"))
        .containsExactlyInAnyOrder("delivered", "retry", "failed", "gone");
    assertThat(s.value("hikyaku_webhook_latency_seconds_count")).isEqualTo(4);
    assertThat(s.value("hikyaku_webhook_latency_seconds_sum")).isEqualTo(3.14);
    assertThat(s.value("hikyaku_webhook_latency_seconds_bucket", "le", "0.05")).isEqualTo(2);
    assertThat(s.value("hikyaku_webhook_latency_seconds_bucket", "le", "0.1")).isEqualTo(3);
    assertThat(s.value("hikyaku_webhook_latency_seconds_bucket", "le", "5.0")).isEqualTo(4);
    assertThat(sink.scrape()).as("no endpoint, account or event becomes a label").doesNotContain("wh_1", "example.com", "evt_");
  }

  private static Event.WebhookAttempted webhook(int attempt, Event.WebhookAttempted.Result result, java.util.OptionalInt status,
      long millis) {
    return new Event.WebhookAttempted(AT, "wh_1", "a@example.com", "evt_" + attempt, "message.delivered", attempt, result, status,
        java.util.Optional.of(java.time.Duration.ofMillis(millis)), "HTTP " + status.getAsInt());
  }

  @Test
  void theOldestQueuedMessagesAgeIsAGauge() {
    java.time.Clock clock = java.time.Clock.fixed(AT, java.time.ZoneOffset.UTC);
    java.util.concurrent.atomic.AtomicReference<java.util.Optional<java.time.Instant>> oldest =
        new java.util.concurrent.atomic.AtomicReference<>(java.util.Optional.of(AT.minusSeconds(90)));
    MetricsSink aged = new MetricsSink(LISTENERS, Map.of(), () -> 1, oldest::get, clock);
    assertThat(Scrape.parse(aged.scrape()).value("hikyaku_queue_oldest_age_seconds")).isEqualTo(90);
    oldest.set(java.util.Optional.empty());
    assertThat(Scrape.parse(aged.scrape()).value("hikyaku_queue_oldest_age_seconds")).as("an empty queue").isZero();
  }

  @Test
  void knownSeriesStartAtZero() {
    Scrape s = scrape();
    for (String listener : LISTENERS) {
      assertThat(s.value("hikyaku_connections_total", "listener", listener, "outcome", "opened")).isZero();
      assertThat(s.value("hikyaku_connections_total", "listener", listener, "outcome", "refused")).isZero();
      assertThat(s.value("hikyaku_messages_accepted_total", "source", "smtp:" + listener)).isZero();
    }
    assertThat(s.labelValues("hikyaku_protocol_violations_total", "kind"))
        .containsExactlyInAnyOrder("early_talker", "bare_cr_lf", "plaintext_after_starttls", "too_many_recipients", "too_many_errors");
    assertThat(s.labelValues("hikyaku_deliveries_total", "outcome")).containsExactlyInAnyOrder("delivered", "deferred", "failed");
    assertThat(s.value("hikyaku_delivery_ends_total", "end", "expired")).isZero();
  }

  @Test
  void hostileStringsNeverBecomeLabels() {
    String hostile = "evil\"} 1\nhikyaku_owned_total{x=\"y\"} 1e9 # spy@victim.example";
    sink.accept(new Event.ConnectionOpened(AT, hostile, hostile, hostile));
    sink.accept(new Event.ConnectionRefused(AT, hostile, hostile, hostile));
    sink.accept(new Event.ConnectionClosed(AT, hostile, hostile, 1));
    sink.accept(new Event.TlsEstablished(AT, hostile, hostile, hostile));
    sink.accept(new Event.TlsFailed(AT, hostile, hostile));
    sink.accept(auth(hostile, hostile, hostile, result(Kind.SUCCESS)));
    sink.accept(auth("submission", "PLAIN", hostile, result(Kind.INVALID_CREDENTIALS)));
    sink.accept(new Event.ProtocolViolation(AT, hostile, hostile, Event.ProtocolViolation.Violation.EARLY_TALKER, hostile));
    sink.accept(new Event.SenderRejected(AT, hostile, hostile, hostile, hostile, hostile, hostile));
    sink.accept(new Event.RecipientRejected(AT, hostile, hostile, hostile, hostile, hostile, hostile));
    sink.accept(new Event.MessageRejected(AT, hostile, hostile, "550 5.7.1 " + hostile, hostile));
    sink.accept(new Event.MessageRejected(AT, hostile, hostile, hostile, hostile));
    sink.accept(new Event.MessageAccepted(AT, hostile, hostile, "smtp:" + hostile, hostile, List.of(hostile), 1));
    sink.accept(new Event.MessageAccepted(AT, hostile, hostile, hostile, hostile, List.of(hostile), 1));

    String text = sink.scrape();
    assertThat(text).doesNotContain("evil", "owned", "spy", "victim", CLIENT);
    Scrape s = Scrape.parse(text);
    assertThat(s.labelValues("hikyaku_", "listener")).containsExactlyInAnyOrder("relay", "submission", "submissions", "other");
    assertThat(s.labelValues("hikyaku_", "mechanism")).containsExactlyInAnyOrder("PLAIN", "other");
    assertThat(s.labelValues("hikyaku_auth_", "result")).containsExactlyInAnyOrder("invalid_credentials", "success");
    assertThat(s.labelValues("hikyaku_", "protocol")).containsExactlyInAnyOrder("TLSv1.3", "none", "other");
    assertThat(s.labelValues("hikyaku_messages_rejected", "reason")).containsExactlyInAnyOrder("550 5.7.1", "other");
    assertThat(s.labelValues("hikyaku_messages_accepted", "source"))
        .containsExactlyInAnyOrder("smtp:relay", "smtp:submission", "smtp:submissions", "other");
    assertThat(s.value("hikyaku_auth_attempts_total", "listener", "other", "mechanism", "other", "result", "success"))
        .isEqualTo(1);
  }

  @Test
  void queueDepthIsAskedAtEachScrapeAndUnknownWhenTheSupplierFails() {
    AtomicLong depth = new AtomicLong(3);
    MetricsSink withQueue =
        new MetricsSink(LISTENERS, () -> {
          long value = depth.get();
          if (value < 0) {
            throw new IllegalStateException("queue depth: store is closed");
          }
          return value;
        });

    assertThat(Scrape.parse(withQueue.scrape()).value("hikyaku_queue_depth")).isEqualTo(3);
    depth.set(42);
    assertThat(Scrape.parse(withQueue.scrape()).value("hikyaku_queue_depth")).isEqualTo(42);
    depth.set(-1);
    assertThat(Scrape.parse(withQueue.scrape()).value("hikyaku_queue_depth")).isNaN();
    depth.set(0);
    assertThat(Scrape.parse(withQueue.scrape()).value("hikyaku_queue_depth")).isZero();
  }

  @Test
  void everyMeterHasHelpText() {
    List<String> help = sink.scrape().lines().filter(l -> l.startsWith("# HELP hikyaku_")).toList();
    assertThat(help).hasSizeGreaterThanOrEqualTo(11).allSatisfy(line -> assertThat(line.split(" ", 4)[3]).isNotBlank());
  }
}
