package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Webhook endpoints (V15): where an account's events go, which it wants, and the secrets they are
 * signed with. What is sent to them, and when, is {@link WebhookDeliveries}'.
 *
 * <p>Endpoints are added, changed, rotated and removed through the account writer (short
 * transactions, safe from the CLI beside a running server).
 */
public final class Webhooks {

  /** Endpoints one account may have. */
  public static final int MAX_ENDPOINTS_PER_ACCOUNT = 20;

  static final String ENDPOINT_COLUMNS =
      "id, account, url, event_types, sending_domain, api_key, allow_private, created_at, disabled_at, disabled_reason,"
          + " previous_secret_expires_at, last_success_at";

  private final AccountWriter accounts;
  private final ReadConnections readers;

  Webhooks(AccountWriter accounts, ReadConnections readers) {
    this.accounts = accounts;
    this.readers = readers;
  }

  /**
   * Adds {@code endpoint} signed with {@code secret}; its cursor starts after the feed's newest
   * event, so it receives what happens from now on (a replay fetches the past). {@code CONFLICT}
   * when the account has {@link #MAX_ENDPOINTS_PER_ACCOUNT} already.
   */
  public WebhookEndpoint add(WebhookEndpoint endpoint, String secret) throws StoreException {
    return accounts.write("adding webhook " + endpoint.id() + " of " + endpoint.account(), connection -> {
      try (PreparedStatement count = connection.prepareStatement("SELECT count(*) FROM webhook_endpoint WHERE account = ?")) {
        count.setString(1, endpoint.account());
        try (ResultSet row = count.executeQuery()) {
          row.next();
          if (row.getInt(1) >= MAX_ENDPOINTS_PER_ACCOUNT) {
            throw new StoreException(StoreException.Kind.CONFLICT,
                endpoint.account() + " has " + MAX_ENDPOINTS_PER_ACCOUNT + " webhook endpoints already");
          }
        }
      }
      try (PreparedStatement insert = connection.prepareStatement(
          """
          INSERT INTO webhook_endpoint (id, account, url, event_types, sending_domain, api_key, secret, allow_private,
                                        cursor_seq, created_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) FROM message_event), ?)""")) {
        insert.setString(1, endpoint.id());
        insert.setString(2, endpoint.account());
        insert.setString(3, endpoint.url());
        insert.setString(4, String.join(" ", endpoint.eventTypes()));
        setNullable(insert, 5, endpoint.sendingDomain());
        setNullable(insert, 6, endpoint.apiKey());
        insert.setString(7, secret);
        insert.setInt(8, endpoint.isPrivateAllowed() ? 1 : 0);
        insert.setLong(9, endpoint.createdAt().toEpochMilli());
        insert.executeUpdate();
      }
      return endpoint;
    });
  }

  /** The endpoint named {@code id}, if there is one. */
  public Optional<WebhookEndpoint> find(String id) throws StoreException {
    return readers.read("reading webhook " + id, connection -> {
      try (PreparedStatement select = connection.prepareStatement("SELECT " + ENDPOINT_COLUMNS + " FROM webhook_endpoint WHERE id = ?")) {
        select.setString(1, id);
        return endpoints(select).stream().findFirst();
      }
    });
  }

  /** The endpoints of {@code account} (any case), or of every account when empty, oldest first. */
  public List<WebhookEndpoint> list(Optional<String> account) throws StoreException {
    return readers.read("listing webhooks", connection -> {
      String sql = "SELECT " + ENDPOINT_COLUMNS + " FROM webhook_endpoint"
          + (account.isPresent() ? " WHERE account = lower(?)" : "") + " ORDER BY created_at, id";
      try (PreparedStatement select = connection.prepareStatement(sql)) {
        if (account.isPresent()) {
          select.setString(1, account.get());
        }
        return endpoints(select);
      }
    });
  }

  /** The secrets endpoint {@code id} signs with; {@code NOT_FOUND} when there is no such endpoint. */
  public WebhookSecrets secrets(String id) throws StoreException {
    return readers.read("reading the secrets of webhook " + id, connection -> {
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT secret, previous_secret, previous_secret_expires_at FROM webhook_endpoint WHERE id = ?")) {
        select.setString(1, id);
        try (ResultSet row = select.executeQuery()) {
          if (!row.next()) {
            throw new StoreException(StoreException.Kind.NOT_FOUND, "no webhook " + id);
          }
          return secrets(row, 1);
        }
      }
    });
  }

  /**
   * Makes {@code secret} the endpoint's signing secret; the one it replaces keeps signing until
   * {@code previousUntil} (both signatures go out meanwhile). Returns the endpoint as it now is.
   */
  public WebhookEndpoint rotate(String id, String secret, Instant previousUntil) throws StoreException {
    accounts.write("rotating the secret of webhook " + id, connection -> {
      try (PreparedStatement update = connection.prepareStatement(
          "UPDATE webhook_endpoint SET previous_secret = secret, previous_secret_expires_at = ?, secret = ? WHERE id = ?")) {
        update.setLong(1, previousUntil.toEpochMilli());
        update.setString(2, secret);
        update.setString(3, id);
        if (update.executeUpdate() == 0) {
          throw new StoreException(StoreException.Kind.NOT_FOUND, "no webhook " + id);
        }
      }
      return null;
    });
    return find(id).orElseThrow(() -> new StoreException(StoreException.Kind.NOT_FOUND, "no webhook " + id));
  }

  /**
   * Gives endpoint {@code id} the URL, event types, filters and private-target allowance of {@code
   * changed}; its account, secrets, state, cursor and delivery log stay. The fan-out reads the
   * types and filters afresh for every event after the cursor, and every attempt the URL, so the
   * change holds from the next pass on, for deliveries already queued too (they go to the new URL).
   * Returns the endpoint as it now is; {@code NOT_FOUND} when there is no such endpoint.
   */
  public WebhookEndpoint change(WebhookEndpoint changed) throws StoreException {
    accounts.write("changing webhook " + changed.id(), connection -> {
      try (PreparedStatement update = connection.prepareStatement(
          """
          UPDATE webhook_endpoint SET url = ?, event_types = ?, sending_domain = ?, api_key = ?, allow_private = ?
          WHERE id = ?""")) {
        update.setString(1, changed.url());
        update.setString(2, String.join(" ", changed.eventTypes()));
        setNullable(update, 3, changed.sendingDomain());
        setNullable(update, 4, changed.apiKey());
        update.setInt(5, changed.isPrivateAllowed() ? 1 : 0);
        update.setString(6, changed.id());
        if (update.executeUpdate() == 0) {
          throw new StoreException(StoreException.Kind.NOT_FOUND, "no webhook " + changed.id());
        }
      }
      return null;
    });
    return find(changed.id()).orElseThrow(() -> new StoreException(StoreException.Kind.NOT_FOUND, "no webhook " + changed.id()));
  }

  /**
   * Enables endpoint {@code id} again if it is disabled (after a 410 Gone or a run of failures), and
   * moves its cursor to the feed's newest event: from now on it gets what happens, as a new endpoint
   * does. The deliveries that failed when it was disabled stay failed, and the events of the time it
   * was disabled were never queued for it: {@link WebhookDeliveries#replay} sends either. Returns whether it was
   * disabled (enabling an enabled endpoint changes nothing); {@code NOT_FOUND} when there is no such
   * endpoint.
   */
  public boolean enable(String id) throws StoreException {
    return accounts.write("enabling webhook " + id, connection -> {
      try (PreparedStatement update = connection.prepareStatement(
          """
          UPDATE webhook_endpoint SET disabled_at = NULL, disabled_reason = NULL,
                 cursor_seq = (SELECT coalesce(max(seq), 0) FROM message_event)
          WHERE id = ? AND disabled_at IS NOT NULL""")) {
        update.setString(1, id);
        if (update.executeUpdate() == 1) {
          return true;
        }
      }
      try (PreparedStatement select = connection.prepareStatement("SELECT 1 FROM webhook_endpoint WHERE id = ?")) {
        select.setString(1, id);
        try (ResultSet row = select.executeQuery()) {
          if (!row.next()) {
            throw new StoreException(StoreException.Kind.NOT_FOUND, "no webhook " + id);
          }
        }
      }
      return false;
    });
  }

  /** Removes the endpoint and its delivery log; {@code NOT_FOUND} when there is no such endpoint. */
  public WebhookEndpoint remove(String id) throws StoreException {
    WebhookEndpoint endpoint = find(id).orElseThrow(() -> new StoreException(StoreException.Kind.NOT_FOUND, "no webhook " + id));
    accounts.write("removing webhook " + id, connection -> {
      try (PreparedStatement deliveries = connection.prepareStatement("DELETE FROM webhook_delivery WHERE endpoint_id = ?");
          PreparedStatement delete = connection.prepareStatement("DELETE FROM webhook_endpoint WHERE id = ?")) {
        deliveries.setString(1, id);
        deliveries.executeUpdate();
        delete.setString(1, id);
        if (delete.executeUpdate() == 0) {
          throw new StoreException(StoreException.Kind.NOT_FOUND, "no webhook " + id);
        }
      }
      return null;
    });
    return endpoint;
  }

  /**
   * Removes every endpoint of {@code account} and their delivery logs, in the caller's transaction:
   * {@link Accounts#delete}'s, so a deleted account's endpoints go with it, as its API keys do (ON
   * DELETE CASCADE), and an account made again under the address does not inherit where its
   * predecessor's events went. Returns how many endpoints went.
   */
  static int removeAll(Connection connection, String account) throws SQLException {
    try (PreparedStatement deliveries = connection.prepareStatement(
        "DELETE FROM webhook_delivery WHERE endpoint_id IN (SELECT id FROM webhook_endpoint WHERE account = ?)");
        PreparedStatement endpoints = connection.prepareStatement("DELETE FROM webhook_endpoint WHERE account = ?")) {
      deliveries.setString(1, account);
      deliveries.executeUpdate();
      endpoints.setString(1, account);
      return endpoints.executeUpdate();
    }
  }

  private static List<WebhookEndpoint> endpoints(PreparedStatement select) throws SQLException {
    List<WebhookEndpoint> found = new ArrayList<>();
    try (ResultSet rows = select.executeQuery()) {
      while (rows.next()) {
        found.add(endpoint(rows));
      }
    }
    return found;
  }

  static WebhookEndpoint endpoint(ResultSet row) throws SQLException {
    return new WebhookEndpoint(row.getString("id"), row.getString("account"), row.getString("url"),
        Arrays.asList(row.getString("event_types").split(" ")), Optional.ofNullable(row.getString("sending_domain")),
        Optional.ofNullable(row.getString("api_key")), row.getInt("allow_private") == 1,
        Instant.ofEpochMilli(row.getLong("created_at")), time(row, "disabled_at"),
        Optional.ofNullable(row.getString("disabled_reason")), time(row, "previous_secret_expires_at"),
        time(row, "last_success_at"));
  }

  /** The secret, previous secret and its expiry in three columns from {@code first}. */
  static WebhookSecrets secrets(ResultSet row, int first) throws SQLException {
    long expires = row.getLong(first + 2);
    Optional<Instant> expiresAt = row.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(expires));
    return new WebhookSecrets(row.getString(first), Optional.ofNullable(row.getString(first + 1)), expiresAt);
  }

  static Optional<Instant> time(ResultSet row, String column) throws SQLException {
    long millis = row.getLong(column);
    return row.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(millis));
  }

  static void setNullable(PreparedStatement statement, int index, Optional<String> value) throws SQLException {
    if (value.isPresent()) {
      statement.setString(index, value.get());
    } else {
      statement.setNull(index, Types.VARCHAR);
    }
  }
}
