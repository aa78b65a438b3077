-- The scheduler's due pass (issue 15 point 5; bench/README.md "Queue at scale").
--
-- MessageQueue.due took every due recipient's message (12,400 in the benchmark's backlog) and
-- sorted them to keep the oldest 100. Open recipients in due order, each with its message id, let
-- a pass read them in that order and stop after as many messages as it takes: never tried or
-- flushed (NULL, in message id order, which is arrival order), then due by now (longest due
-- first), each one range of this index. Partial: delivered and failed recipients (kept until their
-- message is finished) are never due. PostgreSQL takes the same partial index (NULLS FIRST, as
-- SQLite sorts them).
--
-- It replaces recipient_state_next_attempt_at (V5), whose uses it serves too (nextDue: the first
-- entry of a queued message; flush of the whole queue: the deferred entries not NULL; state is
-- the last column so that both read the index alone). Kept beside it, the planner preferred the
-- old one for the due range (two ranges of (state, next_attempt_at), then a sort), and every
-- recipient written would have paid for two indexes.
DROP INDEX recipient_state_next_attempt_at;
CREATE INDEX recipient_open_next_attempt_at ON recipient (next_attempt_at, message_id, state)
    WHERE state IN ('pending', 'deferred');
