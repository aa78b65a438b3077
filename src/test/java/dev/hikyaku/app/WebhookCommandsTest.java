package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.store.AdminChange;
import dev.hikyaku.store.DueWebhook;
import dev.hikyaku.store.NewMessageEvent;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.WebhookAttempt;
import dev.hikyaku.store.WebhookEndpoint;
import dev.hikyaku.testing.WebhookReceiver;
import dev.hikyaku.webhooks.Signature;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hikyaku webhook add|list|test|replay|remove}, run in process against a real store and a loopback receiver. */
class WebhookCommandsTest {

  private static final String GOOD = "a pass phrase long enough for any policy 7";
  private static final Pattern ADDED = Pattern.compile("(?s)webhook (wh_[0-9a-f]{16}) for app@a\\.example added.*\\n(whsec_\\S+)\\n");

  @TempDir Path data;
  private Path config;

  @BeforeEach
  void setUp() throws Exception {
    config = data.resolve("hikyaku.yaml");
    Files.writeString(config, "hostname: mx.hikyaku.test\ndata-directory: " + data + "\n");
    run("", "domain", "add", "a.example");
    run(GOOD + "\n", "user", "add", "app@a.example", "--password-stdin");
  }

  private AdminCommandLine.Result run(String stdin, String... args) {
    return AdminCommandLine.runWith(config, stdin, args);
  }

  private static void assertRefused(AdminCommandLine.Result result, String message) {
    assertThat(result.exitCode()).as(result.describe()).isEqualTo(2);
    assertThat(result.err()).as(result.describe()).startsWith("hikyaku: ").contains(message).doesNotContain("Exception");
    assertThat(result.err().lines()).as("one line").hasSize(1);
  }

  @Test
  void anEndpointIsAddedWithItsSecretShownOnceListedPingedReplayedAndRemoved() throws Exception {
    try (WebhookReceiver receiver = WebhookReceiver.start(0)) {
      assertRefused(run("", "webhook", "add", "app@a.example", receiver.url("/h"), "--event", "message.bounced"), "must be https://");
      assertRefused(run("", "webhook", "add", "app@a.example", "https://hooks.example.com/", "--event", "message.nothing"),
          "not an event type");
      assertRefused(run("", "webhook", "add", "app@a.example", "https://hooks.example.com/"), "--event is required");
      assertRefused(run("", "webhook", "add", "nobody@a.example", "https://hooks.example.com/", "--event", "message.bounced"),
          "not found");

      AdminCommandLine.Result added = run("", "webhook", "add", "App@A.example", receiver.url("/h"), "--event",
          "message.bounced,message.delivered", "--allow-private", "--sending-domain", "A.example");
      assertThat(added.exitCode()).as(added.describe()).isZero();
      Matcher shown = ADDED.matcher(added.out());
      assertThat(shown.find()).as(added.out()).isTrue();
      String id = shown.group(1);
      String secret = shown.group(2);

      try (Store store = Store.openSqlite(data, Clock.systemUTC())) {
        WebhookEndpoint stored = store.webhooks().find(id).orElseThrow();
        assertThat(stored.account()).isEqualTo("app@a.example");
        assertThat(stored.eventTypes()).containsExactly("message.bounced", "message.delivered");
        assertThat(stored.sendingDomain()).hasValue("a.example");
        assertThat(stored.isPrivateAllowed()).isTrue();
        assertThat(store.webhooks().secrets(id).current()).isEqualTo(secret);
        List<AdminChange> changes = store.adminChanges().takeUnpublished();
        AdminChange change = changes.stream().filter(c -> c.command().equals("webhook add")).findFirst().orElseThrow();
        assertThat(change.subject()).isEqualTo("app@a.example");
        assertThat(change.detail()).contains(id, receiver.url("/h"), "events=message.bounced,message.delivered",
            "sending-domain=a.example", "allow-private").doesNotContain(secret);
      }

      AdminCommandLine.Result listed = run("", "webhook", "list");
      assertThat(listed.out()).contains(id, "app@a.example", "enabled", receiver.url("/h"),
          "events:  message.bounced,message.delivered", "only:    sending-domain=a.example allow-private").doesNotContain(secret);
      assertThat(run("", "webhook", "list", "other@a.example").out()).doesNotContain(id);

      AdminCommandLine.Result ping = run("", "webhook", "test", id);
      assertThat(ping.exitCode()).as(ping.describe()).isZero();
      assertThat(ping.out()).contains("delivered, HTTP 200");
      WebhookReceiver.Request request = receiver.requests().getFirst();
      assertThat(request.id()).startsWith("whtest_");
      assertThat(Signature.verifies(request.signature(), secret, request.id(), Long.parseLong(request.timestamp()), request.body()))
          .isTrue();
      assertThat(request.text()).contains("\"type\":\"webhook.test\"");

      AdminCommandLine.Result replay = run("", "webhook", "replay", id, "--since", "2026-01-01T00:00:00Z");
      assertThat(replay.out()).as(replay.describe()).contains("0 event(s) queued for webhook " + id);
      assertRefused(run("", "webhook", "replay", id, "--since", "yesterday"), "--since takes an RFC 3339 time");

      assertThat(run("", "user", "disable", "app@a.example").exitCode()).isZero();
      assertThat(run("", "webhook", "list").out()).contains(id, "held", "the account is disabled");
      assertThat(run("", "user", "enable", "app@a.example").exitCode()).isZero();
      assertThat(run("", "webhook", "list").out()).doesNotContain("held");

      assertThat(run("", "webhook", "remove", id).out()).contains("webhook " + id + " of app@a.example removed");
      assertRefused(run("", "webhook", "remove", id), "no webhook " + id);
      assertRefused(run("", "webhook", "test", id), "no webhook " + id);
      assertThat(Files.readString(data.resolve("hikyaku.yaml"), StandardCharsets.UTF_8)).doesNotContain(secret);
      try (Store store = Store.openSqlite(data, Clock.systemUTC())) {
        assertThat(store.webhooks().list(Optional.empty())).isEmpty();
      }
    }
  }

  @Test
  void anEndpointIsChangedAndADisabledOneEnabledAgain() throws Exception {
    AdminCommandLine.Result added = run("", "webhook", "add", "app@a.example", "http://127.0.0.1:9/h", "--event", "message.bounced",
        "--allow-private", "--sending-domain", "a.example");
    Matcher shown = ADDED.matcher(added.out());
    assertThat(shown.find()).as(added.describe()).isTrue();
    String id = shown.group(1);

    assertRefused(run("", "webhook", "change", id), "nothing to change");
    assertRefused(run("", "webhook", "change", id, "--sending-domain", "a.example", "--no-sending-domain"), "exclude each other");
    assertRefused(run("", "webhook", "change", id, "--no-allow-private"), "must be https://");
    assertRefused(run("", "webhook", "change", id, "--event", "message.nothing"), "not an event type");
    assertRefused(run("", "webhook", "change", "wh_0123456789abcdef", "--event", "message.bounced"), "no webhook");
    AdminCommandLine.Result changed = run("", "webhook", "change", id, "--url", "https://hooks.example.com/new", "--no-allow-private",
        "--event", "message.delivered,message.bounced", "--no-sending-domain");
    assertThat(changed.exitCode()).as(changed.describe()).isZero();
    assertThat(changed.out()).contains("webhook " + id + " of app@a.example changed: " + id + " https://hooks.example.com/new"
        + " events=message.delivered,message.bounced");

    assertThat(run("", "webhook", "enable", id).out()).contains("is enabled already");
    try (Store store = Store.openSqlite(data, Clock.systemUTC())) {
      WebhookEndpoint endpoint = store.webhooks().find(id).orElseThrow();
      assertThat(endpoint.url()).isEqualTo("https://hooks.example.com/new");
      assertThat(endpoint.eventTypes()).containsExactly("message.delivered", "message.bounced");
      assertThat(endpoint.sendingDomain()).isEmpty();
      assertThat(endpoint.isPrivateAllowed()).isFalse();
      // A 410 Gone disables it.
      store.messageEvents().append(List.of(NewMessageEvent.ofAccount(Instant.now(), "message.bounced", "app@a.example",
          Optional.empty(), Optional.of("x@example.net"), "{}")));
      store.webhookDeliveries().fanOut(Instant.now(), 10);
      DueWebhook due = store.webhookDeliveries().due(Instant.now(), 10).getFirst();
      store.webhookDeliveries().record(new WebhookAttempt(due.deliveryId(), id, Instant.now(), OptionalInt.of(410), Optional.empty(),
          Duration.ofMillis(5), Optional.empty(), WebhookAttempt.Next.FAILED, Optional.empty(), WebhookAttempt.EndpointChange.DISABLE,
          Optional.of("410 Gone from https://hooks.example.com/new")));
    }
    assertThat(run("", "webhook", "list").out()).contains("disabled", "410 Gone");
    assertRefused(run("", "webhook", "replay", id, "--since", "2026-01-01T00:00:00Z"), "webhook enable " + id);

    AdminCommandLine.Result enabled = run("", "webhook", "enable", id);
    assertThat(enabled.exitCode()).as(enabled.describe()).isZero();
    assertThat(enabled.out()).contains("webhook " + id + " of app@a.example enabled", "hikyaku webhook replay " + id + " --since ");
    try (Store store = Store.openSqlite(data, Clock.systemUTC())) {
      assertThat(store.webhooks().find(id).orElseThrow().isEnabled()).isTrue();
      List<AdminChange> changes = store.adminChanges().takeUnpublished();
      assertThat(changes).extracting(AdminChange::command).containsSubsequence("webhook add", "webhook change", "webhook enable");
      assertThat(changes).filteredOn(c -> c.command().equals("webhook enable")).singleElement()
          .satisfies(c -> assertThat(c.detail()).startsWith(id + " (disabled since ").endsWith(": 410 Gone from https://hooks.example.com/new)"));
    }
  }

  @Test
  void deletingAnAccountRemovesItsEndpointsAndSaysSo() throws Exception {
    run("", "webhook", "add", "app@a.example", "https://hooks.example.com/a", "--event", "message.bounced");
    run("", "webhook", "add", "app@a.example", "https://hooks.example.com/b", "--event", "message.bounced");
    AdminCommandLine.Result deleted = run("", "user", "delete", "app@a.example");
    assertThat(deleted.out()).as(deleted.describe()).contains("account app@a.example deleted; 2 webhook endpoint(s) removed with it");
    try (Store store = Store.openSqlite(data, Clock.systemUTC())) {
      assertThat(store.webhooks().list(Optional.empty())).isEmpty();
      assertThat(store.adminChanges().takeUnpublished()).filteredOn(c -> c.command().equals("user delete")).singleElement()
          .extracting(AdminChange::detail).isEqualTo("2 webhook endpoint(s) removed with it");
    }
  }
}
