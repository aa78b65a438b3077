-- PostgreSQL translation of sqlite/V14__events_without_a_message.sql: message_event.queue_id
-- becomes nullable.
--
-- SQLite rebuilds the table (it cannot drop a NOT NULL in place) and carries the AUTOINCREMENT
-- high-water mark over in sqlite_sequence, so that no seq is handed out twice. PostgreSQL drops the
-- constraint in place: the table, its indexes and its identity sequence stay as they are, so the
-- sequence keeps its position and the intent (no seq ever reused) holds without copying anything.
ALTER TABLE message_event ALTER COLUMN queue_id DROP NOT NULL;
