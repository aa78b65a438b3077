package dev.hikyaku.store;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.SplittableRandom;

/** Builds realistic messages for the store tests. */
final class TestMessages {

  static final Instant T0 = Instant.parse("2026-05-01T09:00:00Z");
  static final Origin SUBMISSION_ORIGIN =
      new Origin("submission", "127.0.0.1", "client.example", "TLSv1.3", "TLS_AES_128_GCM_SHA256",
          "alice@example.org");
  static final Origin RELAY_ORIGIN = new Origin("relay", "192.0.2.7", "mx.example.net", null, null, null);

  private final SplittableRandom random = new SplittableRandom(7);

  QueueId idAt(Instant at) {
    return QueueId.generate(Clock.fixed(at, ZoneOffset.UTC), random);
  }

  NewMessage message(Instant receivedAt, String reversePath, String... forwardPaths) {
    List<NewRecipient> recipients =
        java.util.Arrays.stream(forwardPaths).map(path -> new NewRecipient(path, "")).toList();
    String text = "From: <" + reversePath + ">\r\nSubject: test\r\n\r\nHello.\r\n";
    return new NewMessage(idAt(receivedAt), receivedAt, reversePath, "", recipients,
        RELAY_ORIGIN, text.getBytes(StandardCharsets.UTF_8));
  }

  NewMessage sized(Instant receivedAt, int octets) {
    byte[] content = new byte[octets];
    random.nextBytes(content);
    return new NewMessage(idAt(receivedAt), receivedAt, "sender@example.org", "",
        List.of(new NewRecipient("rcpt@example.net", "")), RELAY_ORIGIN, content);
  }
}
