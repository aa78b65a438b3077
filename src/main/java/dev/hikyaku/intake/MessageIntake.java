package dev.hikyaku.intake;

import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.net.TlsFacts;
import dev.hikyaku.policy.SenderRegistry;
import dev.hikyaku.protocol.Envelope;
import dev.hikyaku.store.MessageQueue;
import dev.hikyaku.store.NewMessage;
import dev.hikyaku.store.NewRecipient;
import dev.hikyaku.store.Origin;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.StoreException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.random.RandomGenerator;

/** Takes a message with its envelope and makes it durable in the queue. */
public final class MessageIntake {

  private final String hostname;
  private final MessageQueue queue;
  private final Clock clock;
  private final RandomGenerator random;
  private final Events events;
  private final FromHeaderCheck fromHeader;

  public MessageIntake(
      String hostname, MessageQueue queue, SenderRegistry senders, Clock clock, RandomGenerator random, Events events) {
    this.hostname = hostname;
    this.queue = queue;
    this.fromHeader = new FromHeaderCheck(senders);
    this.clock = clock;
    this.random = random;
    this.events = events;
  }

  /**
   * Applies the submission rules, adds the trace header and commits the message. Returns only once
   * it is durable, or with the refusal.
   *
   * @param content the message as received (header and body, CRLF line endings, un-stuffed)
   * @throws IntakeException when the message could not be made durable (the client retries)
   */
  public IntakeResult accept(MessageSource.Smtp source, Envelope envelope, byte[] content) throws IntakeException {
    if (source.principal().isPresent()) {
      switch (fromHeader.check(source.principal().get().account(), content)) {
        case FromHeaderCheck.Outcome.Pass pass -> content = pass.content();
        case FromHeaderCheck.Outcome.Refuse refuse -> {
          return refuse.refusal();
        }
        case FromHeaderCheck.Outcome.Unavailable unavailable ->
            throw new IntakeException("cannot check the From: header: " + unavailable.reason(), false, null);
      }
    }
    Instant now = clock.instant();
    QueueId id = QueueId.generate(clock, random);
    byte[] received = ReceivedHeader.of(source, hostname, id.toString(), envelope, now);
    byte[] stored = new byte[received.length + content.length];
    System.arraycopy(received, 0, stored, 0, received.length);
    System.arraycopy(content, 0, stored, received.length, content.length);
    List<NewRecipient> recipients =
        envelope.recipients().stream()
            .map(r -> new NewRecipient(r.to().address(), r.params().toWire()))
            .toList();
    Origin origin =
        new Origin(
            source.listener(),
            source.client().getAddress().getHostAddress(),
            source.heloName(),
            source.tls().map(TlsFacts::protocol).orElse(null),
            source.tls().map(TlsFacts::cipherSuite).orElse(null),
            source.principal().map(p -> p.account()).orElse(null));
    NewMessage message =
        new NewMessage(id, now, envelope.from().address(), envelope.params().toWire(), recipients, origin, stored);
    try {
      queue.accept(message);
    } catch (StoreException e) {
      throw new IntakeException(
          "could not queue message from " + source.describe() + ": " + e.getMessage(),
          e.kind() == StoreException.Kind.DISK_FULL,
          e);
    }
    events.publish(
        new Event.MessageAccepted(
            now,
            source.sessionId(),
            id.toString(),
            source.describe(),
            envelope.from().address(),
            recipients.stream().map(NewRecipient::forwardPath).toList(),
            stored.length));
    return new IntakeResult.Queued(id);
  }
}
