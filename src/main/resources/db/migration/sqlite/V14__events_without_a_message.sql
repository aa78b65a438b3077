-- message.suppressed (issue 12, item 6): a send refused because a recipient is on the suppression
-- list is told in the account's event feed, and a send refused whole queued no message. So an event
-- may have no message: message_event.queue_id becomes nullable, and such a row names its account
-- itself (the feed's writer gives it; rows of a message still take it from history_message).
--
-- SQLite cannot drop a NOT NULL constraint in place: the table is rebuilt as
-- https://sqlite.org/lang_altertable.html#otheralter describes (new table, copy, drop, rename,
-- indexes again), in the migration's transaction. seq is AUTOINCREMENT and a client's cursor names
-- the last seq it saw, so the high-water mark in sqlite_sequence is carried over too: after pruning,
-- it can be above every seq still in the table, and no seq may be handed out twice.

CREATE TABLE message_event_v14 (
    seq         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    at          BIGINT  NOT NULL,                   -- epoch ms: when it happened
    type        TEXT    NOT NULL,                   -- message.accepted | message.delivered | ... (api.EventType)
    account     TEXT    NOT NULL,                   -- lower-case: the message's principal, or the refused sender's account
    queue_id    TEXT,                               -- the message; NULL for a send that queued none (message.suppressed)
    recipient   TEXT,                               -- the forward-path; NULL for a message's own events
    data        TEXT    NOT NULL                    -- JSON object: the type's own facts (status, diagnostic, ...)
);

INSERT INTO message_event_v14 (seq, at, type, account, queue_id, recipient, data)
    SELECT seq, at, type, account, queue_id, recipient, data FROM message_event ORDER BY seq;

-- The copy left a row for the new table only if there was a row to copy; its mark is the highest
-- seq copied, which may be below the old table's.
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'message_event_v14', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'message_event_v14');
UPDATE sqlite_sequence
    SET seq = (SELECT max(seq) FROM sqlite_sequence WHERE name IN ('message_event', 'message_event_v14'))
    WHERE name = 'message_event_v14';

DROP TABLE message_event;
ALTER TABLE message_event_v14 RENAME TO message_event;

-- As in V12: the feed of one account from a cursor on; pruning oldest first.
CREATE INDEX message_event_account ON message_event (account, seq);
CREATE INDEX message_event_at ON message_event (at);
