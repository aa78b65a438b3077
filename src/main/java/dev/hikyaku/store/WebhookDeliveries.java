package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The delivery of the event feed to the webhook endpoints ({@link Webhooks}), and its log (V15).
 *
 * <p>The feed ({@code message_event}) is the outbox: each entry is written in the transaction of the
 * change it tells of ({@link FeedEntries}). Each endpoint keeps a cursor into it; {@link #fanOut}
 * takes the entries after an endpoint's cursor, turns those it wants into pending {@code
 * webhook_delivery} rows and moves the cursor, in one transaction of the writer, so an event is
 * queued for an endpoint exactly once, across crashes. A delivery stays pending until an attempt
 * succeeds or the sender gives up ({@link #record}); a crash between sending and recording sends it
 * again, with the same event and so the same {@code webhook-id}. So every committed event is
 * delivered, or recorded as failed, for every endpoint that wanted it when it happened.
 *
 * <p>Fan-out, attempts, replays and pruning go through the queue's group-commit writer, sharing its
 * commits.
 */
public final class WebhookDeliveries {

  /** The type of a test ping in the delivery log. */
  public static final String TEST_TYPE = "webhook.test";

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String DELIVERY_COLUMNS =
      "id, endpoint_id, event_seq, event_type, kind, status, attempts, next_attempt_at, last_attempt_at, response_status,"
          + " error, latency_ms, response, delivered_at, created_at";
  // An account's events after a cursor, with what the endpoint filters look at: a range of
  // message_event_account, and the history row by its primary key. An entry without a message (a
  // send refused whole for a suppressed recipient: message.suppressed with no queue_id) has no
  // history row: its sending address is its own "sender" fact, read from its data here (JSON
  // functions differ between the engines; the data of such an entry is a few members) (the reverse path of the refused
  // send, MessageSuppressedEvent in docs/openapi.yaml), and its API key is not known (NULL). See
  // WebhookEndpoint#wants for what the filters make of that.
  private static final String FILTER_COLUMNS =
      """
      SELECT e.seq, e.type,
             CASE WHEN e.queue_id IS NULL THEN e.data ELSE h.reverse_path END,
             h.api_key, e.queue_id
      FROM message_event e LEFT JOIN history_message h ON h.queue_id = e.queue_id
      """;
  static final String EVENTS_AFTER = FILTER_COLUMNS + "WHERE e.account = ? AND e.seq > ? ORDER BY e.seq LIMIT ?";
  static final String EVENTS_BETWEEN = FILTER_COLUMNS + "WHERE e.account = ? AND e.at >= ? AND e.at < ? ORDER BY e.seq LIMIT ?";
  // The endpoint w's account is there and enabled. The endpoints of a disabled account are held:
  // nothing is fanned out to them (their cursors stay, the feed keeps the events) and nothing of
  // theirs is due, so what they are owed goes out when the account is enabled again, as long as the
  // feed keeps it (history.retention). A deleted account's endpoints went with it (Accounts#delete);
  // any left from before that are held the same way, for good.
  static final String ACCOUNT_ENABLED = "EXISTS (SELECT 1 FROM account a WHERE a.address = w.account AND a.disabled = 0)";
  // Whether any enabled endpoint has events to fan out: read first, so an idle poll costs no commit.
  static final String HAS_NEW_EVENTS =
      """
      SELECT 1 FROM webhook_endpoint w WHERE w.disabled_at IS NULL AND %s
        AND EXISTS (SELECT 1 FROM message_event e WHERE e.account = w.account AND e.seq > w.cursor_seq) LIMIT 1"""
          .formatted(ACCOUNT_ENABLED);
  private static final String INSERT_DELIVERY =
      """
      INSERT INTO webhook_delivery (endpoint_id, event_seq, event_type, kind, status, attempts, next_attempt_at, created_at)
      VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)""";
  // Driven by the partial index webhook_delivery_due (WebhooksTest checks the plan).
  static final String DUE =
      """
      SELECT d.id, d.endpoint_id, d.event_seq, d.event_type, d.kind, d.attempts, d.created_at,
             w.account AS endpoint_account, w.url, w.allow_private, w.secret, w.previous_secret, w.previous_secret_expires_at,
             e.seq, e.at, e.type, e.account, e.queue_id, e.recipient, e.data
      FROM webhook_delivery d
      JOIN webhook_endpoint w ON w.id = d.endpoint_id
      LEFT JOIN message_event e ON e.seq = d.event_seq
      WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND w.disabled_at IS NULL AND %s
      ORDER BY d.next_attempt_at LIMIT ?""".formatted(ACCOUNT_ENABLED);
  static final String STILL_DUE =
      """
      SELECT 1 FROM webhook_delivery d JOIN webhook_endpoint w ON w.id = d.endpoint_id
      WHERE d.id = ? AND d.status = 'pending' AND d.attempts = ? AND w.disabled_at IS NULL AND %s"""
          .formatted(ACCOUNT_ENABLED);
  static final String NEXT_DUE =
      """
      SELECT min(d.next_attempt_at) FROM webhook_delivery d JOIN webhook_endpoint w ON w.id = d.endpoint_id
      WHERE d.status = 'pending' AND w.disabled_at IS NULL AND %s""".formatted(ACCOUNT_ENABLED);


  private final GroupCommitWriter writer;
  private final ReadConnections readers;
  private final Webhooks endpoints;

  WebhookDeliveries(GroupCommitWriter writer, ReadConnections readers, Webhooks endpoints) {
    this.writer = writer;
    this.readers = readers;
    this.endpoints = endpoints;
  }


  /**
   * Queues a delivery of every feed entry each enabled endpoint of an enabled account wants, up to {@code maxEvents} looked
   * at per endpoint, and moves each endpoint's cursor past the entries looked at, in one transaction
   * of the writer; returns how many deliveries were queued, due at {@code now}. Reads first, so that
   * a call with nothing new costs no commit.
   */
  public int fanOut(Instant now, int maxEvents) throws StoreException {
    boolean hasNew = readers.read("looking for events to send to webhooks", connection -> {
      try (PreparedStatement select = connection.prepareStatement(HAS_NEW_EVENTS);
          ResultSet row = select.executeQuery()) {
        return row.next();
      }
    });
    if (!hasNew) {
      return 0;
    }
    return writer.apply("queuing webhook deliveries", connection -> {
      List<Cursor> cursors = new ArrayList<>();
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT " + Webhooks.ENDPOINT_COLUMNS + ", cursor_seq FROM webhook_endpoint w WHERE disabled_at IS NULL AND " + ACCOUNT_ENABLED);
          ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          cursors.add(new Cursor(Webhooks.endpoint(rows), rows.getLong("cursor_seq")));
        }
      }
      int queued = 0;
      try (PreparedStatement events = connection.prepareStatement(EVENTS_AFTER);
          PreparedStatement insert = connection.prepareStatement(INSERT_DELIVERY);
          PreparedStatement move = connection.prepareStatement("UPDATE webhook_endpoint SET cursor_seq = ? WHERE id = ?")) {
        for (Cursor cursor : cursors) {
          events.setString(1, cursor.endpoint().account());
          events.setLong(2, cursor.seq());
          events.setInt(3, maxEvents);
          long last = cursor.seq();
          try (ResultSet rows = events.executeQuery()) {
            while (rows.next()) {
              last = rows.getLong(1);
              if (wants(cursor.endpoint(), rows)) {
                queued += insertDelivery(insert, cursor.endpoint().id(), last, rows.getString(2), "event", now);
              }
            }
          }
          if (last != cursor.seq()) {
            move.setLong(1, last);
            move.setString(2, cursor.endpoint().id());
            move.executeUpdate();
          }
        }
      }
      return queued;
    });
  }

  private record Cursor(WebhookEndpoint endpoint, long seq) {}

  /**
   * What a replay queued.
   *
   * @param isCut whether the range held more than the events looked at (the rest were not queued)
   */
  public record Replayed(int queued, boolean isCut) {}

  /**
   * Queues again, as new deliveries due at {@code now}, the events of the endpoint's account that
   * happened in [{@code since}, {@code until}) and that the endpoint wants, looking at the first
   * {@code maxEvents} of the range: each goes out with its own id again, so a receiver that has it
   * already can tell. {@code NOT_FOUND} when there is no such endpoint.
   */
  public Replayed replay(String endpointId, Instant since, Instant until, Instant now, int maxEvents) throws StoreException {
    WebhookEndpoint endpoint =
        endpoints.find(endpointId).orElseThrow(() -> new StoreException(StoreException.Kind.NOT_FOUND, "no webhook " + endpointId));
    return writer.apply("replaying events to webhook " + endpointId, connection -> {
      int queued = 0;
      int seen = 0;
      try (PreparedStatement events = connection.prepareStatement(EVENTS_BETWEEN);
          PreparedStatement insert = connection.prepareStatement(INSERT_DELIVERY)) {
        events.setString(1, endpoint.account());
        events.setLong(2, since.toEpochMilli());
        events.setLong(3, until.toEpochMilli());
        events.setInt(4, maxEvents + 1);
        try (ResultSet rows = events.executeQuery()) {
          while (rows.next() && ++seen <= maxEvents) {
            if (wants(endpoint, rows)) {
              queued += insertDelivery(insert, endpointId, rows.getLong(1), rows.getString(2), "replay", now);
            }
          }
        }
      }
      return new Replayed(queued, seen > maxEvents);
    });
  }

  private static boolean wants(WebhookEndpoint endpoint, ResultSet row) throws SQLException {
    boolean hasMessage = row.getString(5) != null;
    String sender = hasMessage ? row.getString(3) : senderOf(row.getString(3));
    return endpoint.wants(row.getString(2), Optional.ofNullable(sender), Optional.ofNullable(row.getString(4)));
  }

  /** The "sender" member of an entry's data, if it is a string. */
  private static String senderOf(String data) {
    if (data == null) {
      return null;
    }
    try {
      JsonNode sender = JSON.readTree(data).path("sender");
      return sender.isString() ? sender.asString() : null;
    } catch (JacksonException e) {
      return null; // data the store wrote itself; unreadable means no sender fact
    }
  }

  private static int insertDelivery(PreparedStatement insert, String endpointId, long seq, String type, String kind, Instant now)
      throws SQLException {
    insert.setString(1, endpointId);
    insert.setLong(2, seq);
    insert.setString(3, type);
    insert.setString(4, kind);
    insert.setLong(5, now.toEpochMilli());
    insert.setLong(6, now.toEpochMilli());
    return insert.executeUpdate();
  }

  /**
   * Up to {@code limit} pending deliveries of enabled endpoints of enabled accounts due at or before
   * {@code now}, earliest first.
   */
  public List<DueWebhook> due(Instant now, int limit) throws StoreException {
    return readers.read("finding due webhooks", connection -> {
      List<DueWebhook> due = new ArrayList<>();
      try (PreparedStatement select = connection.prepareStatement(DUE)) {
        select.setLong(1, now.toEpochMilli());
        select.setInt(2, limit);
        try (ResultSet rows = select.executeQuery(); AnnotationReader annotations = AnnotationReader.prepare(connection)) {
          while (rows.next()) {
            // The feed's own reading of the entry, tags and metadata joined in, so a webhook's data is what GET /v1/events shows.
            int eventColumns = rows.findColumn("seq");
            rows.getLong(eventColumns);
            Optional<MessageEvent> event =
                rows.wasNull() ? Optional.empty() : Optional.of(MessageEvents.event(rows, eventColumns, annotations));
            due.add(new DueWebhook(rows.getLong("id"), rows.getString("endpoint_id"), rows.getString("endpoint_account"),
                rows.getString("url"),
                rows.getInt("allow_private") == 1, Webhooks.secrets(rows, rows.findColumn("secret")), rows.getLong("event_seq"),
                rows.getString("event_type"), rows.getString("kind"), rows.getInt("attempts"),
                Instant.ofEpochMilli(rows.getLong("created_at")), event));
          }
        }
      }
      return due;
    });
  }

  /** When the earliest pending delivery {@link #due} would take is due; empty when none is pending. */
  public Optional<Instant> nextDue() throws StoreException {
    return readers.read("finding the next due webhook", connection -> {
      try (PreparedStatement select = connection.prepareStatement(NEXT_DUE);
          ResultSet row = select.executeQuery()) {
        row.next();
        long at = row.getLong(1);
        return row.wasNull() ? Optional.<Instant>empty() : Optional.of(Instant.ofEpochMilli(at));
      }
    });
  }

  /**
   * Whether delivery {@code deliveryId} is still owed as {@link #due} handed it out: pending after
   * {@code attempts} attempts, its endpoint and the endpoint's account enabled. The sender asks just
   * before an attempt, on a read of its own: {@link #due}'s may predate the recording of a send of
   * the same delivery that ended since, or the disabling of its endpoint or account.
   */
  public boolean isStillDue(long deliveryId, int attempts) throws StoreException {
    return readers.read("checking webhook delivery " + deliveryId, connection -> {
      try (PreparedStatement select = connection.prepareStatement(STILL_DUE)) {
        select.setLong(1, deliveryId);
        select.setInt(2, attempts);
        try (ResultSet row = select.executeQuery()) {
          return row.next();
        }
      }
    });
  }

  /**
   * Writes {@code attempt} into its delivery's row and, as it says, into its endpoint (the time of a
   * success; disabled, with its pending deliveries failed); one transaction of the writer. Returns
   * whether the endpoint was disabled by it. A delivery removed meanwhile (its endpoint deleted) is
   * passed over.
   */
  public boolean record(WebhookAttempt attempt) throws StoreException {
    return writer.apply("recording webhook delivery " + attempt.deliveryId(), connection -> {
      try (PreparedStatement update = connection.prepareStatement(
          """
          UPDATE webhook_delivery SET status = ?, attempts = attempts + 1, next_attempt_at = ?, last_attempt_at = ?,
                 response_status = ?, error = ?, latency_ms = ?, response = ?, delivered_at = ?
          WHERE id = ? AND status = 'pending'""")) {
        bindOutcome(update, attempt);
        update.setLong(9, attempt.deliveryId());
        if (update.executeUpdate() == 0) {
          return false;
        }
      }
      if (attempt.next() == WebhookAttempt.Next.DELIVERED) {
        try (PreparedStatement success = connection.prepareStatement("UPDATE webhook_endpoint SET last_success_at = ? WHERE id = ?")) {
          success.setLong(1, attempt.at().toEpochMilli());
          success.setString(2, attempt.endpointId());
          success.executeUpdate();
        }
      }
      return switch (attempt.endpoint()) {
        case KEEP -> false;
        case DISABLE -> disable(connection, attempt.endpointId(), attempt.disableReason().orElseThrow(), attempt.at(),
            Optional.empty());
        case DISABLE_IF_FAILING -> disable(connection, attempt.endpointId(), attempt.disableReason().orElseThrow(), attempt.at(),
            Optional.of(attempt.deliveryId()));
      };
    });
  }

  /**
   * Disables endpoint {@code id} (if enabled) and fails its pending deliveries; with {@code
   * unlessSucceededSince}, only when no attempt has succeeded since that delivery was queued.
   */
  private static boolean disable(Connection connection, String id, String reason, Instant at, Optional<Long> unlessSucceededSince)
      throws SQLException {
    String condition = unlessSucceededSince.isEmpty() ? ""
        : " AND (last_success_at IS NULL OR last_success_at < (SELECT created_at FROM webhook_delivery WHERE id = ?))";
    try (PreparedStatement update = connection.prepareStatement(
        "UPDATE webhook_endpoint SET disabled_at = ?, disabled_reason = ? WHERE id = ? AND disabled_at IS NULL" + condition)) {
      update.setLong(1, at.toEpochMilli());
      update.setString(2, reason);
      update.setString(3, id);
      if (unlessSucceededSince.isPresent()) {
        update.setLong(4, unlessSucceededSince.get());
      }
      if (update.executeUpdate() == 0) {
        return false;
      }
    }
    try (PreparedStatement fail = connection.prepareStatement(
        "UPDATE webhook_delivery SET status = 'failed', next_attempt_at = NULL, error = ? WHERE endpoint_id = ? AND status = 'pending'")) {
      fail.setString(1, "endpoint disabled: " + reason);
      fail.setString(2, id);
      fail.executeUpdate();
    }
    return true;
  }

  /** Records a test ping's one attempt as a finished delivery of its own (kind {@code test}); returns its log entry. */
  public WebhookDelivery recordTest(WebhookAttempt attempt) throws StoreException {
    if (attempt.next() == WebhookAttempt.Next.RETRY) {
      throw new IllegalArgumentException("a test ping is not retried");
    }
    long id = writer.apply("recording a test ping of webhook " + attempt.endpointId(), connection -> {
      try (PreparedStatement insert = connection.prepareStatement(
          """
          INSERT INTO webhook_delivery (status, attempts, next_attempt_at, last_attempt_at, response_status, error, latency_ms,
                                        response, delivered_at, endpoint_id, event_type, kind, created_at)
          VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'test', ?)""", Statement.RETURN_GENERATED_KEYS)) {
        bindOutcome(insert, attempt);
        insert.setString(9, attempt.endpointId());
        insert.setString(10, TEST_TYPE);
        insert.setLong(11, attempt.at().toEpochMilli());
        insert.executeUpdate();
        try (ResultSet key = insert.getGeneratedKeys()) {
          key.next();
          return key.getLong(1);
        }
      }
    });
    return deliveries(attempt.endpointId(), OptionalLong.of(id + 1), 1).getFirst();
  }

  /** Binds status, next attempt, last attempt, response status, error, latency, response, delivered at as 1 to 8. */
  private static void bindOutcome(PreparedStatement statement, WebhookAttempt attempt) throws SQLException {
    statement.setString(1, switch (attempt.next()) {
      case DELIVERED -> "delivered";
      case RETRY -> "pending";
      case FAILED -> "failed";
    });
    setNullableTime(statement, 2, attempt.nextAttemptAt());
    statement.setLong(3, attempt.at().toEpochMilli());
    if (attempt.responseStatus().isPresent()) {
      statement.setInt(4, attempt.responseStatus().getAsInt());
    } else {
      statement.setNull(4, Types.INTEGER);
    }
    Webhooks.setNullable(statement, 5, attempt.error());
    statement.setLong(6, attempt.latency().toMillis());
    Webhooks.setNullable(statement, 7, attempt.response());
    setNullableTime(statement, 8, attempt.next() == WebhookAttempt.Next.DELIVERED ? Optional.of(attempt.at()) : Optional.empty());
  }

  /**
   * The delivery log of endpoint {@code endpointId}, newest first, at most {@code limit}; with
   * {@code beforeId}, only the entries before it (keyset paging on webhook_delivery_endpoint).
   */
  public List<WebhookDelivery> deliveries(String endpointId, OptionalLong beforeId, int limit) throws StoreException {
    return readers.read("reading the deliveries of webhook " + endpointId, connection -> {
      String sql = "SELECT " + DELIVERY_COLUMNS + " FROM webhook_delivery WHERE endpoint_id = ?"
          + (beforeId.isPresent() ? " AND id < ?" : "") + " ORDER BY id DESC LIMIT ?";
      try (PreparedStatement select = connection.prepareStatement(sql)) {
        int i = 1;
        select.setString(i++, endpointId);
        if (beforeId.isPresent()) {
          select.setLong(i++, beforeId.getAsLong());
        }
        select.setInt(i, limit);
        List<WebhookDelivery> found = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            found.add(delivery(rows));
          }
        }
        return found;
      }
    });
  }

  /**
   * Deletes up to {@code maxDeliveries} finished deliveries (delivered or failed) queued before
   * {@code before}, oldest first, in one transaction of the writer; returns how many went. Pending
   * ones stay whatever their age: they are still owed.
   */
  public int prune(Instant before, int maxDeliveries) throws StoreException {
    return writer.apply("pruning the webhook delivery log before " + before, connection -> {
      try (PreparedStatement delete = connection.prepareStatement(
          "DELETE FROM webhook_delivery WHERE id IN (SELECT id FROM webhook_delivery"
              + " WHERE status <> 'pending' AND created_at < ? ORDER BY id LIMIT ?)")) {
        delete.setLong(1, before.toEpochMilli());
        delete.setInt(2, maxDeliveries);
        return delete.executeUpdate();
      }
    });
  }

  private static WebhookDelivery delivery(ResultSet row) throws SQLException {
    long seq = row.getLong("event_seq");
    OptionalLong eventSeq = row.wasNull() ? OptionalLong.empty() : OptionalLong.of(seq);
    int status = row.getInt("response_status");
    OptionalInt responseStatus = row.wasNull() ? OptionalInt.empty() : OptionalInt.of(status);
    long latency = row.getLong("latency_ms");
    OptionalLong latencyMillis = row.wasNull() ? OptionalLong.empty() : OptionalLong.of(latency);
    return new WebhookDelivery(row.getLong("id"), row.getString("endpoint_id"), eventSeq, row.getString("event_type"),
        row.getString("kind"), row.getString("status"), row.getInt("attempts"), Webhooks.time(row, "next_attempt_at"),
        Webhooks.time(row, "last_attempt_at"), responseStatus, Optional.ofNullable(row.getString("error")), latencyMillis,
        Optional.ofNullable(row.getString("response")), Webhooks.time(row, "delivered_at"),
        Instant.ofEpochMilli(row.getLong("created_at")));
  }

  private static void setNullableTime(PreparedStatement statement, int index, Optional<Instant> value) throws SQLException {
    if (value.isPresent()) {
      statement.setLong(index, value.get().toEpochMilli());
    } else {
      statement.setNull(index, Types.BIGINT);
    }
  }
}
