package dev.hikyaku.app;

import dev.hikyaku.api.ApiKeyCheck;
import dev.hikyaku.api.EventFeed;
import dev.hikyaku.api.EventType;
import dev.hikyaku.api.MessageReader;
import dev.hikyaku.api.Unavailable;
import dev.hikyaku.auth.Authenticator;
import dev.hikyaku.auth.credential.GeneratedSecrets;
import dev.hikyaku.auth.credential.KeyedHash;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.store.ApiKey;
import dev.hikyaku.store.AttemptOutcome;
import dev.hikyaku.store.AttemptRecord;
import dev.hikyaku.store.HistoryMessage;
import dev.hikyaku.store.HistoryQuery;
import dev.hikyaku.store.HistoryRecipient;
import dev.hikyaku.store.HistoryRecord;
import dev.hikyaku.store.MessageEvent;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's view of the store: bearer tokens checked against {@code store.ApiKeys} (as SMTP AUTH
 * checks a key given as a password, see {@link Authenticator}), the message history shown as
 * {@link MessageReader.MessageView}s and searched per account, and the accounts' event feeds
 * ({@code store.MessageEvents}, written by the store with each change and by {@link EventFeedSink}).
 *
 * <p>A token is found by its keyed hash (HMAC-SHA-256 under the server secret) through the store's
 * index, never compared key by key, so timing tells a guesser nothing. Each use is recorded as the
 * key's last use; each use and refusal is an {@link Event.ApiKeyChecked} (the audit log's {@code
 * api_auth}) naming the key, never the token.
 */
final class ApiAccess implements ApiKeyCheck, MessageReader, EventFeed {

  private static final Logger log = LoggerFactory.getLogger(ApiAccess.class);

  private final Store store;
  private final Events events;
  private final Clock clock;
  private final AtomicReference<KeyedHash> keyedHash = new AtomicReference<>();
  private final ApiKeyCache cache;

  /**
   * @param cacheTtl how long a key found active is trusted without the store (issue 15): {@code
   *     auth.cache-ttl}, as SMTP's verification cache; zero looks every request up
   */
  ApiAccess(Store store, Events events, Clock clock, Duration cacheTtl) {
    this.store = store;
    this.events = events;
    this.clock = clock;
    this.cache = new ApiKeyCache(cacheTtl, 10_000, clock);
  }

  @Override
  public Verdict check(String token, InetAddress client) {
    String from = client.getHostAddress();
    if (!GeneratedSecrets.looksLikeApiKey(token)) {
      return refused(from, "", "", 401, "not an api key", new Verdict.Invalid());
    }
    Optional<ApiKey> found;
    boolean isAccountDisabled;
    try {
      String keyedHash = keyedHash().of(token);
      // Read before the rows: an entry made from rows older than a write is then never trusted.
      long writes = store.administrativeWrites();
      found = cache.find(keyedHash, writes);
      isAccountDisabled = false; // only keys of enabled accounts are remembered
      if (found.isEmpty()) {
        found = store.apiKeys().find(keyedHash);
        isAccountDisabled = found.isPresent()
            && store.accounts().find(found.get().account()).map(a -> a.isDisabled()).orElse(true);
        if (found.isPresent() && found.get().isActive() && !isAccountDisabled) {
          cache.remember(keyedHash, found.get(), writes);
        }
      }
    } catch (StoreException e) {
      log.warn("API request from {}: cannot check the key: {}", from, e.getMessage());
      return refused(from, "", "", 503, "store unavailable", new Verdict.Unavailable());
    }
    if (found.isEmpty()) {
      return refused(from, "", "", 401, "with an unknown api key", new Verdict.Invalid());
    }
    ApiKey key = found.get();
    String with = "with api key " + key.name() + ": ";
    if (!key.isActive()) {
      return refused(from, key.name(), key.account(), 401, with + "revoked", new Verdict.Invalid());
    }
    if (isAccountDisabled) {
      return refused(from, key.name(), key.account(), 401, with + "account disabled", new Verdict.Invalid());
    }
    if (!Authenticator.isAllowedFrom(key, client)) {
      return refused(from, key.name(), key.account(), 403, with + "not allowed from " + from, new Verdict.NotAllowedFrom());
    }
    // An operator: an admin key of an account that is a console admin (hikyaku admin add).
    boolean operator;
    try {
      operator = key.scopes().contains(ApiKey.Scope.ADMIN) && store.consoleAdmins().find(key.account()).isPresent();
    } catch (StoreException e) {
      log.warn("API request from {}: cannot check the key's account: {}", from, e.getMessage());
      return refused(from, key.name(), key.account(), 503, "store unavailable", new Verdict.Unavailable());
    }
    Instant now = clock.instant();
    store.apiKeys().recordUse(key.id(), now);
    events.publish(new Event.ApiKeyChecked(now, from, key.name(), key.account(), "success", "with api key " + key.name()));
    return new Verdict.Valid(
        new Caller(key.name(), key.account(), key.scopes(), key.senders(), key.limits(), operator));
  }

  private Verdict refused(String client, String key, String account, int status, String reason, Verdict verdict) {
    events.publish(new Event.ApiKeyChecked(clock.instant(), client, key, account, "failure " + status, reason));
    return verdict;
  }

  @Override
  public Optional<MessageView> message(String id) throws Unavailable {
    Optional<QueueId> queueId = QueueId.parse(id);
    if (queueId.isEmpty()) {
      return Optional.empty();
    }
    try {
      return store.history().show(queueId.get()).map(ApiAccess::view);
    } catch (StoreException e) {
      throw new Unavailable("reading the history of " + queueId.get().value() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public List<MessageView> search(Search search) throws Unavailable {
    HistoryQuery query = HistoryQuery.all().withLimit(search.limit());
    query = search.account().map(query::withPrincipal).orElse(query);
    query = search.sender().map(query::withSender).orElse(query);
    query = search.recipient().map(query::withRecipient).orElse(query);
    query = search.status().map(ApiAccess::outcome).map(query::withStatus).orElse(query);
    query = search.since().map(query::withSince).orElse(query);
    query = search.until().map(query::withUntil).orElse(query);
    query = search.tag().map(query::withTag).orElse(query);
    query = search.before().map(p -> new HistoryQuery.Position(p.receivedAt(), p.id())).map(query::withBefore).orElse(query);
    try {
      return store.history().search(query).stream().map(m -> view(m, r -> List.of())).toList();
    } catch (StoreException e) {
      throw new Unavailable("searching the history of " + search.account().orElse("every account") + ": " + e.getMessage(), e);
    }
  }

  /** The history's outcome of the API's: the same words (ApiReadTest checks that both lists agree). */
  static AttemptOutcome outcome(Outcome outcome) {
    return AttemptOutcome.valueOf(outcome.name());
  }

  @Override
  public List<EventView> after(String account, long afterSeq, Set<EventType> types, int limit) throws Unavailable {
    try {
      return store.messageEvents().after(account, afterSeq, types.stream().map(EventType::typeName).toList(), limit).stream()
          .map(ApiAccess::eventView)
          .toList();
    } catch (StoreException e) {
      throw new Unavailable("reading the events of " + account + ": " + e.getMessage(), e);
    }
  }

  @Override
  public List<EventView> ofMessage(String messageId, int limit) throws Unavailable {
    Optional<QueueId> queueId = QueueId.parse(messageId);
    if (queueId.isEmpty()) {
      return List.of();
    }
    try {
      return store.messageEvents().ofMessage(queueId.get(), limit).stream().map(ApiAccess::eventView).toList();
    } catch (StoreException e) {
      throw new Unavailable("reading the events of " + messageId + ": " + e.getMessage(), e);
    }
  }

  /** A feed entry as the API sees it (the webhooks render it too, EventJson). */
  static EventView eventView(MessageEvent event) {
    return new EventView(event.seq(), event.type(), event.at(), event.queueId().map(QueueId::value), event.recipient(), event.data(),
        event.annotations().tags(), event.annotations().metadata());
  }

  private static MessageView view(HistoryRecord record) {
    return view(record.message(), r -> attempts(record, r));
  }

  private static MessageView view(HistoryMessage message, Function<HistoryRecipient, List<AttemptView>> attempts) {
    return new MessageView(
        message.id().value(),
        message.receivedAt(),
        message.reversePath(),
        message.listener(),
        message.principal(),
        message.headers().messageId(),
        message.headers().subject(),
        message.headers().from(),
        message.recipients().stream()
            .map(r -> new RecipientView(r.forwardPath(), r.latestOutcome().map(AttemptOutcome::keyword), r.latestAttemptAt(),
                attempts.apply(r)))
            .toList(),
        message.annotations().tags(),
        message.annotations().metadata(),
        message.scan().map(v -> new MessageReader.ContentCheck(v.action(), v.score(), v.requiredScore())));
  }

  private static List<AttemptView> attempts(HistoryRecord record, HistoryRecipient recipient) {
    return record.attemptsOf(recipient.forwardPath()).stream()
        .sorted(Comparator.comparingInt(AttemptRecord::attempt))
        .map(a -> new AttemptView(
            a.attempt(), a.attemptedAt(), a.outcome().keyword(), a.enhancedStatus(), a.diagnostic(), a.remoteMta(),
            a.tlsProtocol(), a.delay().toMillis(), a.nextAttemptAt(), a.source().keyword()))
        .toList();
  }

  private KeyedHash keyedHash() throws StoreException {
    KeyedHash hash = keyedHash.get();
    if (hash == null) {
      hash = new KeyedHash(store.serverSecret().value());
      keyedHash.set(hash);
    }
    return hash;
  }
}
