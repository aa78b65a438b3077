-- PostgreSQL translation of sqlite/V19__due_order_index.sql. The same partial index: next_attempt_at
-- ascending puts NULLs last in PostgreSQL but first in SQLite, so NULLS FIRST is spelt out here, so
-- that never-tried recipients come first in both and the due query's ORDER BY can walk the index.
DROP INDEX recipient_state_next_attempt_at;
CREATE INDEX recipient_open_next_attempt_at ON recipient (next_attempt_at NULLS FIRST, message_id, state)
    WHERE state IN ('pending', 'deferred');
