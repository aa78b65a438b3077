package dev.hikyaku.events;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.read.ListAppender;
import ch.qos.logback.core.spi.FilterReply;
import dev.hikyaku.protocol.DeliveryReasons;
import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.EnhancedStatus;
import dev.hikyaku.testing.TestServers;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

/** The send log's lines, in the form an operator greps Postfix's log for (issue 11 item 3). */
// It sets the level of a logger every running server writes to, as the other tests that read logs do.
@ResourceLock(TestServers.CAPTURED_LOGS)
class SendLogSinkTest {

  private static final Instant AT = Instant.parse("2026-12-06T10:00:00Z");
  private static final DeliveryStatus.RemoteMta MX = new DeliveryStatus.RemoteMta("mx.example.net", Optional.of("192.0.2.1"), 25);
  private static final AttemptFacts OVER_TLS =
      new AttemptFacts(AttemptFacts.Route.MX, Optional.of(new dev.hikyaku.net.TlsFacts("TLSv1.3", "TLS_AES_256_GCM_SHA384")), Duration.ofMillis(300), Duration.ofMillis(900));

  private final Logger logger = (Logger) LoggerFactory.getLogger("hikyaku.sendlog");
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final SendLogSink sink = new SendLogSink();

  private ch.qos.logback.classic.Level levelBefore;

  @BeforeEach
  void capture() {
    levelBefore = logger.getLevel();
    logger.setLevel(ch.qos.logback.classic.Level.INFO); // the tests' logback config keeps only warnings
    // The sink logs on the test's thread; other tests' servers log beside it (bin/test --fast) on
    // theirs. Decided on the logging thread itself: the thread, not its name (workers' names are reused).
    Thread test = Thread.currentThread();
    appender.addFilter(new Filter<>() {
      @Override
      public FilterReply decide(ILoggingEvent event) {
        return Thread.currentThread() == test ? FilterReply.NEUTRAL : FilterReply.DENY;
      }
    });
    appender.start();
    logger.addAppender(appender);
  }

  @AfterEach
  void release() {
    logger.detachAppender(appender);
    logger.setLevel(levelBefore);
  }

  private List<String> lines() {
    return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  private static DeliveryStatus remote(DeliveryStatus.Action action, String status, int code, String rest) {
    return new DeliveryStatus(action, EnhancedStatus.parse(status).orElseThrow(), new DeliveryStatus.Diagnostic.RemoteReply(code, rest),
        Optional.of(MX));
  }

  private static Event.DeliveryAttempted attempt(DeliveryStatus status, AttemptFacts facts) {
    return new Event.DeliveryAttempted(AT, "06H0C04DC7QEW2FP", "b@example.net", 1, status, facts, Duration.ofMillis(1210), Duration.ofMillis(10));
  }

  @Test
  void aDeliveryIsSentWithItsRelayTimingsTlsAndReply() {
    sink.accept(attempt(remote(DeliveryStatus.Action.RELAYED, "2.0.0", 250, "2.0.0 Ok: queued as ABC"), OVER_TLS));

    assertThat(lines()).containsExactly(
        "06H0C04DC7QEW2FP: to=<b@example.net>, relay=mx.example.net[192.0.2.1]:25, delay=1.21, delays=0.01/0/0.3/0.9,"
            + " tls=TLSv1.3 TLS_AES_256_GCM_SHA384, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ABC)");
  }

  @Test
  void aContentFiltersVerdictIsALineOfItsOwn() {
    sink.accept(new Event.ContentScanned(AT, "06H0C04DC7QEW2FP", "smtp:submission", "a@example.org", Optional.of("a@example.org"),
        "reject", 16, 15, List.of("GTUBE"), "held"));

    assertThat(lines()).containsExactly("06H0C04DC7QEW2FP: content filter: reject, score=16.00/15.00, held (GTUBE)");
    Map<String, Object> fields = new LinkedHashMap<>();
    appender.list.getFirst().getKeyValuePairs().forEach(pair -> fields.put(pair.key, pair.value));
    assertThat(fields).containsEntry("spam_action", "reject").containsEntry("spam_score", 16.0).containsEntry("outcome", "held");
  }

  @Test
  void theFieldsAreKeyValuePairsTooForTheJsonFormat() {
    sink.accept(attempt(remote(DeliveryStatus.Action.RELAYED, "2.0.0", 250, "2.0.0 Ok: queued as ABC"), OVER_TLS));

    Map<String, Object> fields = new LinkedHashMap<>();
    appender.list.getFirst().getKeyValuePairs().forEach(pair -> fields.put(pair.key, pair.value));
    assertThat(fields).containsEntry("queue_id", "06H0C04DC7QEW2FP").containsEntry("to", "b@example.net")
        .containsEntry("relay", "mx.example.net[192.0.2.1]:25").containsEntry("delay", "1.21")
        .containsEntry("tls", "TLSv1.3 TLS_AES_256_GCM_SHA384").containsEntry("dsn", "2.0.0").containsEntry("status", "sent")
        .containsEntry("reply", "250 2.0.0 Ok: queued as ABC");
  }

  @Test
  void deferredAndBouncedSayWhoSaidIt() {
    sink.accept(attempt(remote(DeliveryStatus.Action.DELAYED, "4.2.0", 450, "4.2.0 try later"), OVER_TLS));
    sink.accept(attempt(remote(DeliveryStatus.Action.FAILED, "5.1.1", 550, "5.1.1 no such user"), OVER_TLS));
    sink.accept(attempt(DeliveryReasons.nullMx("example.net"), AttemptFacts.NONE));

    assertThat(lines()).satisfiesExactly(
        deferred -> assertThat(deferred).contains("dsn=4.2.0, status=deferred (450 4.2.0 try later)"),
        bounced -> assertThat(bounced).contains("relay=mx.example.net[192.0.2.1]:25", "dsn=5.1.1, status=bounced (550 5.1.1 no such user)"),
        nullMx -> assertThat(nullMx).contains("relay=none", "tls=none", "dsn=5.1.10, status=bounced (example.net accepts no mail (null MX, RFC 7505))"));
  }

  @Test
  void aMaildirDeliveryNamesTheMaildirAsItsRelay() {
    AttemptFacts maildir = new AttemptFacts(AttemptFacts.Route.MAILDIR, Optional.empty(), Duration.ZERO, Duration.ofMillis(10));
    sink.accept(attempt(DeliveryReasons.deliveredToMaildir("delivered to Maildir as 1.M2P3.host"), maildir));

    assertThat(lines()).singleElement().asString()
        .contains("relay=maildir,", "tls=none", "dsn=2.0.0, status=sent (delivered to Maildir as 1.M2P3.host)");
  }

  @Test
  void theMessagesLifeFromAcceptedToRemoved() {
    sink.accept(new Event.MessageAccepted(AT, "s1", "Q1", "smtp:submission", "alice@example.com", List.of("b@example.net", "c@example.org"),
        2048, "laptop.example[192.0.2.7]", Optional.of("alice@example.com")));
    sink.accept(new Event.DeliveryExpired(AT, "Q1", "c@example.org",
        DeliveryReasons.expired(DeliveryReasons.dnsFailure("example.org", "SERVFAIL"))));
    sink.accept(new Event.DsnQueued(AT, "Q1", "Q2", "alice@example.com", DeliveryStatus.Action.FAILED, List.of("c@example.org")));
    sink.accept(new Event.MessageRemoved(AT, "Q1"));

    assertThat(lines()).containsExactly(
        "Q1: client=laptop.example[192.0.2.7], sasl_username=alice@example.com, from=<alice@example.com>, size=2048, nrcpt=2"
            + " (queued via smtp:submission)",
        "Q1: to=<c@example.org>, dsn=5.4.7, status=expired, returned to sender (DNS lookup for example.org failed: SERVFAIL)",
        "Q1: sender non-delivery notification: Q2 to <alice@example.com>",
        "Q1: removed");
  }

  @Test
  void aRemoteReplyCannotForgeALogLine() {
    sink.accept(attempt(remote(DeliveryStatus.Action.FAILED, "5.0.0", 550, "evil\r\nQ9: to=<x>, status=sent"), OVER_TLS));

    assertThat(lines()).singleElement().asString().doesNotContain("\r", "\n").contains("evil??Q9");
  }

  // Two decimals at most, no trailing zeros, half up as String.format("%.2f") rounded before the
  // integer arithmetic.
  @ParameterizedTest
  @CsvSource({
    "0, 0", "310000000, 0.31", "1200000000, 1.2", "12000000000, 12", "4000000, 0",
    "5000000, 0.01", "1005000000, 1.01", "1994999999, 1.99", "1995000000, 2", "100000000, 0.1",
    "90000000, 0.09", "108000000000000, 108000"
  })
  void secondsAreWrittenAsPostfixWritesThem(long nanos, String written) {
    assertThat(SendLogSink.seconds(Duration.ofNanos(nanos))).isEqualTo(written);
  }

  @Test
  void cleanKeepsTheSameStringWithoutControlsAndReplacesEachControl() {
    String plain = "250 2.0.0 Ok: queued \u00e9\ud83d\udce8";
    assertThat(SendLogSink.clean(plain)).isSameAs(plain);
    assertThat(SendLogSink.clean("a\r\nb\u0085c\u007f\ud83d\udce8\t")).isEqualTo("a??b?c?\ud83d\udce8?");
    assertThat(SendLogSink.clean("")).isEmpty();
  }
}
