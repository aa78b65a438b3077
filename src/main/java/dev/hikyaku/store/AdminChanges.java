package dev.hikyaku.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Administrative changes on their way to the audit log: the CLI records them here, a running server
 * takes the unpublished ones and publishes them as events.
 */
public final class AdminChanges {

  private final AccountWriter writer;
  private final Clock clock;

  AdminChanges(AccountWriter writer, Clock clock) {
    this.writer = writer;
    this.clock = clock;
  }

  /** Records a change; {@code detail} must not hold a secret (never a password). */
  public void record(String command, String subject, String detail) throws StoreException {
    writer.write("recording an admin change", connection -> {
      try (PreparedStatement insert =
          connection.prepareStatement("INSERT INTO admin_change (at, command, subject, detail) VALUES (?, ?, ?, ?)")) {
        insert.setLong(1, clock.millis());
        insert.setString(2, command);
        insert.setString(3, subject);
        insert.setString(4, detail);
        insert.executeUpdate();
      }
      return null;
    });
  }

  /** Takes the changes no server has published yet, oldest first, and marks them published. */
  public List<AdminChange> takeUnpublished() throws StoreException {
    return writer.write("taking admin changes to publish", connection -> {
      List<AdminChange> changes = new ArrayList<>();
      try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT id, at, command, subject, detail FROM admin_change WHERE published_at IS NULL ORDER BY id LIMIT 1000");
          ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          changes.add(
              new AdminChange(rows.getLong(1), Instant.ofEpochMilli(rows.getLong(2)), rows.getString(3), rows.getString(4), rows.getString(5)));
        }
      }
      try (PreparedStatement mark = connection.prepareStatement("UPDATE admin_change SET published_at = ? WHERE id = ?")) {
        for (AdminChange change : changes) {
          mark.setLong(1, clock.millis());
          mark.setLong(2, change.id());
          mark.addBatch();
        }
        mark.executeBatch();
      }
      return changes;
    });
  }
}
