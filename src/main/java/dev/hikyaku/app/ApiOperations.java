package dev.hikyaku.app;

import dev.hikyaku.api.BlockList;
import dev.hikyaku.api.KeyRing;
import dev.hikyaku.api.QueueControl;
import dev.hikyaku.api.Statistics;
import dev.hikyaku.api.Unavailable;
import dev.hikyaku.auth.credential.GeneratedSecrets;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.store.ApiKey;
import dev.hikyaku.store.ApiKeys;
import dev.hikyaku.store.Block;
import dev.hikyaku.store.QueueEntry;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.store.QueuedMessage;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The operators' side of the API, on the store as the CLI's {@code queue}, {@code blocks} and
 * {@code api-key} commands do it: the queue ({@code store.QueueAdmin}), the defences' blocks and
 * the API keys; and the traffic over time from the history ({@code store.TrafficCounts}). Every change is published as the CLI records it ({@link Event.AdminChange}, the
 * audit log's {@code admin_change}), the detail naming who made it.
 */
final class ApiOperations implements QueueControl, BlockList, KeyRing, Statistics {

  private final Store store;
  private final Events events;
  private final Clock clock;
  private final SecureRandom random;
  private final FailedLogins failedLogins;

  ApiOperations(Store store, Events events, Clock clock, SecureRandom random, FailedLogins failedLogins) {
    this.store = store;
    this.events = events;
    this.clock = clock;
    this.random = random;
    this.failedLogins = failedLogins;
  }

  @Override
  public Overview overview(Window window) throws Unavailable {
    Instant now = clock.instant();
    Instant start = window.start(now);
    try {
      List<Statistics.Interval> intervals = store.trafficCounts().intervals(start, window.interval(), window.intervals()).stream()
          .map(i -> new Statistics.Interval(i.start(), i.accepted(), i.delivered(), i.deferred(), i.failed(), i.deliveredOverTls()))
          .toList();
      return new Overview(window, intervals, store.queue().count(), store.queue().oldestReceivedAt(),
          failedLogins.since(start, now), store.defences().activeBlocks(now).size());
    } catch (StoreException e) {
      throw new Unavailable("counting the traffic: " + e.getMessage(), e);
    }
  }

  @Override
  public List<QueueControl.Entry> list(Filter filter, int limit) throws Unavailable {
    QueueQuery query = QueueQuery.all().withLimit(limit);
    query = filter.state().map(query::withState).orElse(query);
    query = filter.sender().map(query::withSender).orElse(query);
    query = filter.recipient().map(query::withRecipient).orElse(query);
    try {
      return store.queueAdmin().list(query).stream().map(ApiOperations::entry).toList();
    } catch (StoreException e) {
      throw new Unavailable("listing the queue: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<Detail> find(String id) throws Unavailable {
    Optional<QueueId> queueId = QueueId.parse(id);
    if (queueId.isEmpty()) {
      return Optional.empty();
    }
    try {
      return store.queueAdmin().find(queueId.get()).map(ApiOperations::detail);
    } catch (StoreException e) {
      throw new Unavailable("reading message " + id + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Outcome apply(String id, Action action, String by) throws Unavailable {
    Optional<QueueId> queueId = QueueId.parse(id);
    if (queueId.isEmpty()) {
      return new Outcome.NotFound();
    }
    QueueId message = queueId.get();
    String detail;
    try {
      detail = switch (action) {
        case HOLD -> {
          store.queueAdmin().hold(message);
          yield "held";
        }
        case RELEASE -> {
          store.queueAdmin().release(message);
          yield "released";
        }
        case BOUNCE -> {
          store.queueAdmin().returnToSender(message);
          yield "returning to its sender";
        }
        case DELETE -> {
          store.queueAdmin().delete(message);
          yield "deleted";
        }
        case RETRY -> store.queueAdmin().flush(message) + " recipient(s) due now";
      };
    } catch (StoreException e) {
      return switch (e.kind()) {
        case NOT_FOUND -> new Outcome.NotFound();
        case CONFLICT -> new Outcome.Conflict(e.getMessage());
        default -> throw new Unavailable(action + " of message " + id + ": " + e.getMessage(), e);
      };
    }
    String command = switch (action) {
      case RETRY -> "queue flush";
      default -> "queue " + action.name().toLowerCase(Locale.ROOT);
    };
    told(command, message.value(), detail + " by " + by);
    return new Outcome.Done(detail);
  }

  @Override
  public long flush(Optional<String> domain, String by) throws Unavailable {
    long due;
    try {
      due = store.queueAdmin().requestFlush(domain);
    } catch (StoreException e) {
      throw new Unavailable("flushing the queue: " + e.getMessage(), e);
    }
    told("queue flush", domain.map(d -> "@" + d).orElse("all"), due + " recipient(s) requested by " + by);
    return due;
  }

  @Override
  public List<BlockList.Entry> active() throws Unavailable {
    try {
      return store.defences().activeBlocks(clock.instant()).stream()
          .sorted(Comparator.comparing(Block::createdAt).reversed())
          .map(b -> new BlockList.Entry(b.scope(), b.subject(), b.createdAt(), b.until(), b.reason()))
          .toList();
    } catch (StoreException e) {
      throw new Unavailable("listing the blocks: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean lift(String scope, String subject, String by) throws Unavailable {
    boolean lifted;
    try {
      lifted = store.defences().unblock(scope, subject);
    } catch (StoreException e) {
      throw new Unavailable("lifting the block of " + subject + ": " + e.getMessage(), e);
    }
    if (lifted) {
      told("blocks remove", scope + " " + subject, "by " + by);
    }
    return lifted;
  }

  @Override
  public List<KeyRing.Entry> list(Optional<String> account) throws Unavailable {
    try {
      return store.apiKeys().list(account).stream().map(ApiOperations::key).toList();
    } catch (StoreException e) {
      throw new Unavailable("listing API keys: " + e.getMessage(), e);
    }
  }

  @Override
  public Creation create(String account, String name, Set<ApiKey.Scope> scopes, String by) throws Unavailable {
    Optional<String> problem = ApiKeys.nameProblem(name);
    if (problem.isPresent()) {
      return new Creation.Refused("name: " + problem.get());
    }
    String secret = GeneratedSecrets.newApiKey(random);
    ApiKey added;
    try {
      if (store.accounts().find(account).isEmpty()) {
        return new Creation.Refused("there is no account " + account);
      }
      added = store.apiKeys().add(account, name, GeneratedSecrets.keyedHash(store.serverSecret().value(), secret), scopes,
          List.of(), List.of(), ApiKey.Limits.NONE);
    } catch (StoreException e) {
      return switch (e.kind()) {
        case CONFLICT -> new Creation.Refused(e.getMessage());
        case NOT_FOUND -> new Creation.Refused("there is no account " + account);
        default -> throw new Unavailable("adding API key " + name + ": " + e.getMessage(), e);
      };
    } catch (IllegalArgumentException e) {
      return new Creation.Refused(e.getMessage());
    }
    told("api-key add", account, name + " scopes="
        + scopes.stream().map(ApiKey.Scope::configName).sorted().collect(Collectors.joining(",")) + " by " + by);
    return new Creation.Created(key(added), secret);
  }

  @Override
  public Optional<KeyRing.Entry> revoke(String name, Optional<String> account, String by) throws Unavailable {
    try {
      Optional<ApiKey> existing = store.apiKeys().list(account).stream().filter(k -> k.name().equals(name)).findFirst();
      if (existing.isEmpty()) {
        return Optional.empty();
      }
      if (!existing.get().isActive()) {
        return Optional.of(key(existing.get())); // revoked already: nothing changes, nothing to record
      }
      ApiKey revoked = store.apiKeys().revoke(name);
      told("api-key revoke", revoked.account(), name + " by " + by);
      return Optional.of(key(revoked));
    } catch (StoreException e) {
      if (e.kind() == StoreException.Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw new Unavailable("revoking API key " + name + ": " + e.getMessage(), e);
    }
  }

  private void told(String command, String subject, String detail) {
    events.publish(new Event.AdminChange(clock.instant(), command, subject, detail));
  }

  private static QueueControl.Entry entry(QueueEntry e) {
    return new QueueControl.Entry(e.id().value(), e.receivedAt(), e.reversePath(), e.recipientCount(), e.size(), e.state().stored(),
        e.holdReason());
  }

  private static Detail detail(QueuedMessage m) {
    var origin = m.origin();
    return new Detail(
        new QueueControl.Entry(m.id().value(), m.receivedAt(), m.reversePath(), m.recipients().size(), m.size(), m.state().stored(),
            m.holdReason()),
        origin.listener(), origin.clientAddress(), origin.heloName(),
        Optional.ofNullable(origin.tlsProtocol()).map(p -> p + (origin.tlsCipher() == null ? "" : " " + origin.tlsCipher())),
        Optional.ofNullable(origin.principal()), Optional.ofNullable(origin.apiKey()),
        m.recipients().stream().map(r -> new Recipient(r.forwardPath(), r.state(), r.attempts(),
            Optional.ofNullable(r.lastReply()), Optional.ofNullable(r.lastAttemptAt()), Optional.ofNullable(r.nextAttemptAt())))
            .toList());
  }

  private static KeyRing.Entry key(ApiKey k) {
    return new KeyRing.Entry(k.name(), k.account(), k.scopes(), k.senders(), k.createdAt(), k.lastUsedAt(), k.revokedAt());
  }
}
