-- Message history (issue 11, item 4): what was accepted and what became of each recipient, kept
-- after the message has left the queue, for history.retention (pruned by the server in batches).
--
-- Same conventions as V1: TEXT for strings, BIGINT for times (epoch milliseconds, UTC) and
-- durations (milliseconds), INTEGER for counts and positions. No foreign key to message: queue rows
-- are deleted when delivery ends, history rows stay. Only dev.hikyaku.store writes these tables:
--
--   history_message, history_recipient: in the transaction of MessageQueue.accept, so no accepted
--     message lacks its history (and a 250 is still one commit);
--   history_attempt: MessageHistory.record / insertAttempts, which also move the recipient's
--     latest_outcome; attempts of a message without a history row (accepted before this
--     migration) are not kept.

CREATE TABLE history_message (
    queue_id        TEXT    NOT NULL PRIMARY KEY,       -- QueueId of the message
    received_at     BIGINT  NOT NULL,                   -- epoch ms
    reverse_path    TEXT    NOT NULL,                   -- '' is the null reverse-path <> (RFC 5321 §4.5.5)
    size            BIGINT  NOT NULL,                   -- octets as queued
    listener        TEXT    NOT NULL,                   -- listener name, or 'bounce'
    client_address  TEXT    NOT NULL,
    principal       TEXT,                               -- the authenticated account (RFC 4954), NULL without AUTH
    message_id      TEXT,                               -- the header fields it was accepted with (RFC 5322 §3.6):
    subject         TEXT,                               --   the first field of each name, unfolded, at most
    from_field      TEXT                                --   998 characters (RFC 5322 §2.1.1); NULL when absent
);

-- One row per accepted recipient. received_at is the message's, repeated here so that searches by
-- recipient and by status walk one index in time order and never sort.
CREATE TABLE history_recipient (
    queue_id          TEXT    NOT NULL,
    position          INTEGER NOT NULL,                 -- RCPT order, from 0
    forward_path      TEXT    NOT NULL,
    received_at       BIGINT  NOT NULL,
    latest_outcome    TEXT,                             -- outcome of the latest attempt; NULL before any
    latest_attempt_at BIGINT,                           -- epoch ms of that attempt
    PRIMARY KEY (queue_id, position)
);

-- One row per delivery attempt of one recipient (rowid table: an attempt recorded twice after a
-- crash is kept twice rather than failing the transaction that records it).
CREATE TABLE history_attempt (
    queue_id        TEXT    NOT NULL,
    forward_path    TEXT    NOT NULL,
    attempt         INTEGER NOT NULL,                   -- 1 for the first attempt
    attempted_at    BIGINT  NOT NULL,                   -- epoch ms
    outcome         TEXT    NOT NULL,                   -- delivered | relayed | deferred | failed | expired | returned
    enhanced_status TEXT    NOT NULL,                   -- RFC 3463: class.subject.detail, e.g. 5.1.1
    diagnostic      TEXT    NOT NULL,                   -- 'smtp; 550 5.1.1 ...' or our own reason
    remote_mta      TEXT,                               -- e.g. mx.example.net[192.0.2.1]:25; NULL when none was reached
    tls_protocol    TEXT,
    tls_cipher      TEXT,
    delay_ms        BIGINT  NOT NULL,                   -- from received_at to the end of the attempt
    next_attempt_at BIGINT                              -- epoch ms; set for deferred only
);

-- MessageHistory.search: each filter has an index that yields its matches newest first, so a search
-- reads the rows it returns (and those the other filters drop), never the whole history. Address
-- matches compare lower() on both sides, as MessageQueue.list does (V1).
CREATE INDEX history_message_received_at ON history_message (received_at, queue_id);
CREATE INDEX history_message_reverse_path ON history_message (lower(reverse_path), received_at, queue_id);
CREATE INDEX history_message_message_id ON history_message (message_id);
CREATE INDEX history_recipient_forward_path ON history_recipient (lower(forward_path), received_at, queue_id);
CREATE INDEX history_recipient_latest_outcome ON history_recipient (latest_outcome, received_at, queue_id);
-- MessageHistory.show (a message's attempts in order) and pruning (all rows of a message).
CREATE INDEX history_attempt_queue_id ON history_attempt (queue_id, attempted_at);
