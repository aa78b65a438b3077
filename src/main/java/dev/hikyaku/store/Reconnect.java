package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Opens a new writing connection when the last one was lost (a PostgreSQL server restarted or a
 * network cut). SQLite's connections are to a file and are never lost: {@link #NEVER}.
 */
@FunctionalInterface
interface Reconnect {

  Reconnect NEVER = () -> {
    throw new SQLException("the store's connection is gone and cannot be opened again");
  };

  Connection open() throws SQLException, StoreException;
}
