-- Reading over the HTTP API (issue 12, item 5): an account's messages, page by page, and its event
-- feed, resumable by a cursor.
--
-- Same conventions as V1: TEXT for strings, BIGINT for times (epoch milliseconds, UTC). Only
-- dev.hikyaku.store writes these tables.

-- GET /v1/messages: an account's messages newest first, driven by this index when no narrower
-- filter (Message-ID, recipient, sender) is given; a page goes on after the (received_at, queue_id)
-- of the last message of the page before (keyset paging, never an offset). lower() as for the
-- address indexes of V8.
CREATE INDEX history_message_principal ON history_message (lower(principal), received_at, queue_id);

-- GET /v1/events: what happened to the messages of each account, in the order it was recorded.
-- Written by MessageEvents.append in batches through the queue's group-commit writer, after the
-- queue change it tells of has committed (it is a feed for polling, not an outbox: a crash between
-- the two may lose an event, never invent one). The account is the principal the message was
-- submitted under, looked up in history_message in the statement that writes the row; messages
-- without one (relayed in, our own bounces) have no feed.
--
-- seq is AUTOINCREMENT (PostgreSQL: BIGINT GENERATED ALWAYS AS IDENTITY): a client's cursor names
-- the last seq it saw, and a seq must never be handed out again after pruning. One writer commits
-- rows in seq order, so a reader never sees seq n+1 before seq n.
CREATE TABLE message_event (
    seq         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    at          BIGINT  NOT NULL,                   -- epoch ms: when it happened
    type        TEXT    NOT NULL,                   -- message.accepted | message.delivered | ... (api.EventType)
    account     TEXT    NOT NULL,                   -- lower(history_message.principal)
    queue_id    TEXT    NOT NULL,                   -- the message
    recipient   TEXT,                               -- the forward-path; NULL for a message's own events
    data        TEXT    NOT NULL                    -- JSON object: the type's own facts (status, diagnostic, ...)
);

-- The feed of one account from a cursor on.
CREATE INDEX message_event_account ON message_event (account, seq);
-- Pruning with the history's retention, oldest first.
CREATE INDEX message_event_at ON message_event (at);
