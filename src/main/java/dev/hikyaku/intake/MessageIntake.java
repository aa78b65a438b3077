package dev.hikyaku.intake;

import dev.hikyaku.auth.Principal;
import dev.hikyaku.content.ScanVerdict;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.mailauth.DkimKey;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.net.TlsFacts;
import dev.hikyaku.policy.SenderRegistry;
import dev.hikyaku.protocol.Envelope;
import dev.hikyaku.protocol.Replies;
import dev.hikyaku.store.AcceptedHeaders;
import dev.hikyaku.store.Annotations;
import dev.hikyaku.store.IdempotencyRecord;
import dev.hikyaku.store.MessageQueue;
import dev.hikyaku.store.NewMessage;
import dev.hikyaku.store.NewRecipient;
import dev.hikyaku.store.Origin;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.ScanSummary;
import dev.hikyaku.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/** Takes a message with its envelope and makes it durable in the queue. */
public final class MessageIntake {

  /** The listener name messages from the HTTP API are stored under ({@code store.Origin}). */
  public static final String API_LISTENER = "api";

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MessageIntake.class);

  private final String hostname;
  private final MessageQueue queue;
  private final Clock clock;
  private final RandomGenerator random;
  private final Events events;
  private final FromHeaderCheck fromHeader;
  private final StorageGuard storage;
  private final DkimSigning dkim;
  private final InboundAuthentication inbound;
  private final ContentCheck contentCheck;

  public MessageIntake(
      String hostname, MessageQueue queue, SenderRegistry senders, Clock clock, RandomGenerator random, Events events,
      StorageGuard storage, DkimSigning dkim, InboundAuthentication inbound) {
    this(hostname, queue, senders, clock, random, events, storage, dkim, inbound, ContentCheck.NONE);
  }

  /** With a content filter asked at the end of DATA ({@link ContentCheck}, issue 21). */
  public MessageIntake(
      String hostname, MessageQueue queue, SenderRegistry senders, Clock clock, RandomGenerator random, Events events,
      StorageGuard storage, DkimSigning dkim, InboundAuthentication inbound, ContentCheck content) {
    this.contentCheck = Objects.requireNonNull(content, "content");
    this.inbound = Objects.requireNonNull(inbound, "inbound");
    this.storage = Objects.requireNonNull(storage, "storage");
    this.dkim = Objects.requireNonNull(dkim, "dkim");
    this.hostname = hostname;
    this.queue = queue;
    this.fromHeader = new FromHeaderCheck(senders);
    this.clock = clock;
    this.random = random;
    this.events = events;
  }

  /**
   * The DKIM-Signature fields for {@code message}, one per active key of its author's domain;
   * none when the domain has none. A key that cannot sign (damaged in the store) or a store that
   * cannot be read leaves the message unsigned and says so in the log: mail is not held back for it.
   * Signs the fields on top and the content as they will be stored, without joining them.
   */
  private byte[] signatureFields(MessageBytes message, HeaderFacts facts, QueueId id) {
    Optional<String> domain = DkimSigning.authorDomain(facts);
    if (domain.isEmpty()) {
      return new byte[0];
    }
    try {
      List<DkimKey> keys = dkim.keys().activeKeys(domain.get());
      if (keys.isEmpty()) {
        return new byte[0];
      }
      return dkim.signer().signatureFields(message.prependedFields(), message.content(), keys);
    } catch (StoreException | GeneralSecurityException e) {
      log.error("message {} goes out without a DKIM signature for {}: {}", id, domain.get(), e.toString());
      return new byte[0];
    }
  }

  private static final List<String> ACCEPTED_FIELDS = List.of("Message-ID", "Subject", "From");

  /**
   * The fields the message history keeps, as the message goes into the queue (after the submission
   * fix-ups, so a Message-ID we added is the one recorded). RFC 5322 §3.6 allows one of each; the
   * first is taken: on top first, then the content's, which {@code facts} read.
   */
  static AcceptedHeaders acceptedHeaders(MessageBytes message, HeaderFacts facts) {
    Map<String, String> onTop = HeaderSection.firstValues(message.prependedFields(), ACCEPTED_FIELDS);
    return new AcceptedHeaders(
        first(onTop, "Message-ID", facts.messageIds()),
        first(onTop, "Subject", facts.subjects()),
        first(onTop, "From", facts.from()));
  }

  private static Optional<String> first(Map<String, String> onTop, String name, List<String> inContent) {
    return Optional.ofNullable(onTop.get(name)).or(() -> inContent.stream().findFirst());
  }

  /**
   * Whether a message of {@code octets} (0 when not declared) would be taken as far as storage
   * goes: checked at MAIL FROM with the RFC 1870 SIZE, and again before each commit.
   */
  public boolean hasRoomFor(long octets) {
    return storage.hasRoomFor(octets);
  }

  /**
   * Applies the submission rules, adds the trace header and commits the message. Returns only once
   * it is durable, or with the refusal.
   *
   * @param content the message as received (header and body, CRLF line endings, un-stuffed)
   * @throws IntakeException when the message could not be made durable (the client retries)
   */
  public IntakeResult accept(MessageSource.Smtp source, Envelope envelope, byte[] content) throws IntakeException {
    return acceptFrom(source, envelope, content, Annotations.NONE, Optional.empty());
  }

  /**
   * What to keep with a message from the API for a repeated request (Idempotency-Key): made from
   * the id and Message-ID it is queued with, once they are known and before the commit, so the
   * record commits with the message.
   */
  @FunctionalInterface
  public interface Receipt {
    IdempotencyRecord record(IntakeResult.Queued queued, Instant at);
  }

  /**
   * A message submitted over the HTTP API: the same rules, fix-ups and signing as authenticated
   * SMTP submission (From: ownership, Date and Message-ID, DKIM), the API's trace header, and the
   * free-space guard. Returns only once it is durable, or with the refusal.
   *
   * @param annotations the tags and metadata the application attached, kept in the history
   * @param receipt the idempotency record to commit with the message, when the request had a key
   * @throws IntakeException when the message could not be made durable (the client retries)
   */
  public IntakeResult accept(
      MessageSource.Api source, Envelope envelope, byte[] content, Annotations annotations, Optional<Receipt> receipt)
      throws IntakeException {
    return acceptFrom(source, envelope, content, annotations, receipt);
  }

  /**
   * Queues a message a local user handed to {@code hikyaku sendmail} ({@link Pickup}): trusted as
   * such (see {@link MessageSource.Local}); {@code content} has CRLF line ends.
   */
  public IntakeResult acceptLocal(MessageSource.Local source, Envelope envelope, byte[] content) throws IntakeException {
    return acceptFrom(source, envelope, content, Annotations.NONE, Optional.empty());
  }

  /**
   * Queues a delivery status notification (RFC 3464) for {@code envelope}'s recipient, with the
   * null reverse-path so that it can never cause a bounce of its own (RFC 5321 §4.5.5).
   */
  public IntakeResult acceptBounce(MessageSource.Bounce source, Envelope envelope, byte[] dsn) throws IntakeException {
    if (!envelope.from().isNull()) {
      throw new IllegalArgumentException("a bounce has the null reverse-path");
    }
    return acceptFrom(source, envelope, dsn, Annotations.NONE, Optional.empty());
  }

  /**
   * What {@link #acceptFrom} would queue, without queueing it: the message as the store will hold
   * it, or the refusal. Public so that the intake benchmark (bench/jmh IntakeBenchmark) measures
   * exactly the per-message work of intake apart from the fsync.
   */
  public sealed interface Prepared {
    /**
     * Ready for the queue; {@code queued} is what the caller is told once it is durable, {@code
     * scanned} the content filter's verdict, told once it is (a message whose commit fails was
     * neither queued nor held, and must not count towards its account's suspension).
     */
    record Ready(NewMessage message, IntakeResult.Queued queued, Optional<Event.ContentScanned> scanned) implements Prepared {}

    record Refused(IntakeResult.Refused refusal) implements Prepared {}
  }

  /** The work of a submission from an account or API key (RFC 6409), as {@link #accept} does it before the store. */
  public Prepared prepare(MessageSource source, Envelope envelope, byte[] content) throws IntakeException {
    return prepare(source, envelope, content, Annotations.NONE, Optional.empty());
  }

  private IntakeResult acceptFrom(
      MessageSource source, Envelope envelope, byte[] content, Annotations annotations, Optional<Receipt> receipt)
      throws IntakeException {
    NewMessage message;
    IntakeResult.Queued queued;
    Optional<Event.ContentScanned> scanned;
    switch (prepare(source, envelope, content, annotations, receipt)) {
      case Prepared.Refused refused -> {
        return refused.refusal();
      }
      case Prepared.Ready ready -> {
        message = ready.message();
        queued = ready.queued();
        scanned = ready.scanned();
      }
    }
    try {
      queue.accept(message);
    } catch (StoreException e) {
      throw new IntakeException(
          "could not queue message from " + source.describe() + ": " + e.getMessage(),
          e.kind() == StoreException.Kind.DISK_FULL,
          e);
    }
    scanned.ifPresent(events::publish);
    announce(source, envelope, message);
    return queued;
  }

  /**
   * A bounce made ready for the queue, not queued: the scheduler queues it in the transaction that
   * records the failure it reports ({@code schedule.PendingReport}), then calls {@link #announce}.
   */
  public Prepared prepareBounce(MessageSource.Bounce source, Envelope envelope, byte[] dsn) throws IntakeException {
    if (!envelope.from().isNull()) {
      throw new IllegalArgumentException("a bounce has the null reverse-path");
    }
    return prepare(source, envelope, dsn, Annotations.NONE, Optional.empty());
  }

  /** Tells that {@code message}, prepared here from {@code source} and {@code envelope}, is queued now. */
  public void announce(MessageSource source, Envelope envelope, NewMessage message) {
    Origin origin = message.origin();
    QueueId id = message.id();
    Instant now = message.receivedAt();
    events.publish(
        new Event.MessageAccepted(
            now,
            switch (source) {
              case MessageSource.Smtp smtp -> smtp.sessionId();
              case MessageSource.Api api -> SubmissionAgent.SESSION;
              case MessageSource.Bounce bounce -> "-";
              case MessageSource.Local local -> "-";
            },
            id.toString(),
            source.describe(),
            envelope.from().address(),
            message.recipients().stream().map(NewRecipient::forwardPath).toList(),
            message.size(),
            origin.heloName() + "[" + origin.clientAddress() + "]",
            Optional.ofNullable(origin.principal())));
  }

  /** What the content filter said of message {@code id}, and what became of it, to be told. */
  private static Event.ContentScanned scanned(MessageSource source, Envelope envelope, QueueId id, Instant at, ScanVerdict verdict,
      String outcome) {
    String action = switch (verdict) {
      case ScanVerdict.Infected infected -> "infected: " + infected.signature();
      case ScanVerdict.Unavailable unavailable -> "unavailable: " + unavailable.reason();
      default -> verdict.action();
    };
    return new Event.ContentScanned(at, id.toString(), source.describe(), envelope.from().address(), source.account(), action,
        verdict.score().score(), verdict.score().requiredScore(), verdict.score().symbols(), outcome);
  }

  private Prepared prepare(
      MessageSource source, Envelope envelope, byte[] content, Annotations annotations, Optional<Receipt> receipt)
      throws IntakeException {
    // First, before any work on the message. Reports (bounces) are exempt: the headroom is kept
    // for them and the scheduler's bookkeeping, so that failures can still be told to senders.
    if (!(source instanceof MessageSource.Bounce) && !storage.hasRoomFor(content.length)) {
      throw new IntakeException(
          "not queueing message from " + source.describe() + ": the queue's file system is below its free-space headroom",
          true,
          null);
    }
    Optional<Principal> principal = switch (source) {
      case MessageSource.Smtp smtp -> smtp.principal();
      case MessageSource.Api api -> Optional.of(api.principal());
      case MessageSource.Bounce bounce -> Optional.empty();
      case MessageSource.Local local -> Optional.empty();
    };
    boolean isSubmission = switch (source) {
      case MessageSource.Smtp smtp -> smtp.role().requiresAuthentication();
      case MessageSource.Api api -> true; // RFC 6409 submission, as on 465 (implicit TLS, like HTTPS)
      case MessageSource.Bounce bounce -> false;
      case MessageSource.Local local -> true; // RFC 6409 §8 fix-ups, and our signature
    };
    // One read of the fields intake decides by, one message whose added fields go on top of the
    // content as received and are joined to it once, for the store (issue 15 point 2).
    boolean isReadByRules = principal.isPresent() || isSubmission;
    HeaderFacts facts = isReadByRules ? HeaderFacts.of(content) : HeaderFacts.firstOf(content);
    MessageBytes message = MessageBytes.of(content);
    if (principal.isPresent()) {
      switch (fromHeader.check(principal.get(), facts)) {
        case FromHeaderCheck.Outcome.Pass pass -> message = message.withFieldsOnTop(pass.fieldsOnTop());
        case FromHeaderCheck.Outcome.Refuse refuse -> {
          return new Prepared.Refused(refuse.refusal());
        }
        case FromHeaderCheck.Outcome.Unavailable unavailable ->
            throw new IntakeException("cannot check the From: header: " + unavailable.reason(), false, null);
      }
    }
    Instant now = clock.instant();
    QueueId id = QueueId.generate(clock, random);
    if (isSubmission) {
      message = message.withFieldsOnTop(SubmissionFixups.missingFields(facts, hostname, id.toString(), now));
    }
    if (source instanceof MessageSource.Smtp smtp && smtp.role() == ListenerRole.RELAY
        && inbound.checks().isPresent()) {
      // RFC 8601 §5: results others wrote under our name go; ours go on top, under the trace field.
      var checks = inbound.checks().get();
      byte[] whole = message.toByteArray();
      byte[] cleaned = checks.withoutForgedResults(whole);
      if (cleaned != whole) {
        message = MessageBytes.of(cleaned);
        facts = isReadByRules ? HeaderFacts.of(cleaned) : HeaderFacts.firstOf(cleaned);
      }
      var report = checks.check(cleaned, smtp.client().getAddress(), smtp.heloName(), envelope.from().address());
      inbound.observe(report, smtp.client().getAddress().getHostAddress(), envelope.from().address(), smtp.heloName(),
          inbound.isRefused(report));
      if (inbound.isRefused(report)) {
        return new Prepared.Refused(new IntakeResult.Refused(Replies.dmarcRejected(report.dmarc().fromDomain()),
            "DMARC " + report.dmarc().policy().map(p -> p.keyword()).orElse("") + " policy of " + report.dmarc().fromDomain()
                + ": " + report.dmarc().reason()));
      }
      message = message.withFieldsOnTop(report.field().getBytes(StandardCharsets.ISO_8859_1));
    }
    // The content filter sees the message as it is to be queued (fix-ups, Authentication-Results),
    // before it is signed: a subject it rewrites is signed as rewritten.
    Optional<String> hold = Optional.empty();
    Optional<ScanSummary> scan = Optional.empty();
    Optional<Event.ContentScanned> scannedEvent = Optional.empty();
    MessageBytes beforeScan = message;
    switch (contentCheck.decide(source, envelope, id.toString(), beforeScan::toByteArray)) {
      case ContentCheck.Decision.Unscanned unscanned -> { }
      case ContentCheck.Decision.Refuse refuse -> {
        events.publish(scanned(source, envelope, id, now, refuse.verdict(), "refused"));
        return new Prepared.Refused(refuse.refusal());
      }
      case ContentCheck.Decision.Queue queue -> {
        if (queue.subject().isPresent()) {
          message = MessageBytes.of(HeaderSection.withoutFields(message.toByteArray(), "Subject"))
              .withFieldsOnTop(ContentCheck.field("Subject", queue.subject().get()));
        }
        message = message.withFieldsOnTop(queue.fieldsOnTop());
        hold = queue.hold();
        scan = Optional.of(new ScanSummary(queue.verdict().action(), queue.verdict().score().score(),
            queue.verdict().score().requiredScore()));
        scannedEvent = Optional.of(scanned(source, envelope, id, now, queue.verdict(), hold.isPresent() ? "held" : "queued"));
      }
    }
    if (isSubmission) {
      // Signed after the fix-ups (Date and Message-ID are then signed too), before the trace header.
      message = message.withFieldsOnTop(signatureFields(message, facts, id));
    }
    byte[] received =
        switch (source) {
          case MessageSource.Smtp smtp -> ReceivedHeader.of(smtp, hostname, id.toString(), envelope, now);
          case MessageSource.Api api -> ReceivedHeader.api(api, hostname, id.toString(), envelope, now);
          case MessageSource.Bounce bounce -> ReceivedHeader.local(hostname, id.toString(), now);
          case MessageSource.Local local -> ReceivedHeader.localUser(local.user(), hostname, id.toString(), now);
        };
    AcceptedHeaders headers = acceptedHeaders(message, facts);
    message = message.withFieldsOnTop(received);
    // The one copy of the whole message: the store binds one array (sqlite-jdbc's setBytes).
    byte[] stored = message.toByteArray();
    // A recipient given twice is queued once (as Postfix's duplicate filter does): the queue crosses
    // recipients off by forward-path, and a second row with the same path would never be final.
    // address() is the canonical spelling, so "bob"@d and bob@d are one recipient (RFC 5321 §4.1.2).
    Map<String, NewRecipient> unique = new LinkedHashMap<>();
    for (Envelope.Recipient r : envelope.recipients()) {
      unique.putIfAbsent(r.to().address(), new NewRecipient(r.to().address(), r.params().toWire()));
    }
    List<NewRecipient> recipients = List.copyOf(unique.values());
    Origin origin =
        switch (source) {
          case MessageSource.Smtp smtp ->
              new Origin(
                  smtp.listener(),
                  smtp.client().getAddress().getHostAddress(),
                  smtp.heloName(),
                  smtp.tls().map(TlsFacts::protocol).orElse(null),
                  smtp.tls().map(TlsFacts::cipherSuite).orElse(null),
                  smtp.principal().map(p -> p.account()).orElse(null),
                  smtp.principal().flatMap(p -> p.apiKey()).orElse(null));
          // No EHLO over HTTP: the key's name stands where the EHLO name would, for the queue listing.
          case MessageSource.Api api ->
              new Origin(API_LISTENER, api.client().getHostAddress(), api.keyName(), null, null, api.principal().account(),
                  api.keyName());
          case MessageSource.Bounce bounce -> new Origin("bounce", "127.0.0.1", bounce.reportingMta(), null, null, null);
          case MessageSource.Local local -> new Origin("sendmail", "127.0.0.1", local.user(), null, null, null);
        };
    IntakeResult.Queued queued = new IntakeResult.Queued(id, headers.messageId());
    return new Prepared.Ready(
        new NewMessage(id, now, envelope.from().address(), envelope.params().toWire(), recipients, origin, stored, headers,
            annotations, receipt.map(r -> r.record(queued, now)), hold, scan),
        queued, scannedEvent);
  }
}
