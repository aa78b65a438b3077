-- PostgreSQL translation of sqlite/V8__message_history.sql (type rules: V1).

CREATE TABLE history_message (
    queue_id        TEXT    NOT NULL PRIMARY KEY,       -- QueueId of the message
    received_at     BIGINT  NOT NULL,                   -- epoch ms
    reverse_path    TEXT    NOT NULL,                   -- '' is the null reverse-path <> (RFC 5321 §4.5.5)
    size            BIGINT  NOT NULL,                   -- octets as queued
    listener        TEXT    NOT NULL,                   -- listener name, or 'bounce'
    client_address  TEXT    NOT NULL,
    principal       TEXT,
    message_id      TEXT,
    subject         TEXT,
    from_field      TEXT
);

CREATE TABLE history_recipient (
    queue_id          TEXT    NOT NULL,
    position          BIGINT  NOT NULL,                 -- RCPT order, from 0
    forward_path      TEXT    NOT NULL,
    received_at       BIGINT  NOT NULL,
    latest_outcome    TEXT,
    latest_attempt_at BIGINT,
    PRIMARY KEY (queue_id, position)
);

-- No primary key, as in SQLite (a rowid table there): an attempt recorded twice after a crash is
-- kept twice rather than failing the transaction that records it.
CREATE TABLE history_attempt (
    queue_id        TEXT    NOT NULL,
    forward_path    TEXT    NOT NULL,
    attempt         BIGINT  NOT NULL,                   -- 1 for the first attempt
    attempted_at    BIGINT  NOT NULL,                   -- epoch ms
    outcome         TEXT    NOT NULL,
    enhanced_status TEXT    NOT NULL,
    diagnostic      TEXT    NOT NULL,
    remote_mta      TEXT,
    tls_protocol    TEXT,
    tls_cipher      TEXT,
    delay_ms        BIGINT  NOT NULL,
    next_attempt_at BIGINT
);

CREATE INDEX history_message_received_at ON history_message (received_at, queue_id);
CREATE INDEX history_message_reverse_path ON history_message (lower(reverse_path), received_at, queue_id);
CREATE INDEX history_message_message_id ON history_message (message_id);
CREATE INDEX history_recipient_forward_path ON history_recipient (lower(forward_path), received_at, queue_id);
CREATE INDEX history_recipient_latest_outcome ON history_recipient (latest_outcome, received_at, queue_id);
CREATE INDEX history_attempt_queue_id ON history_attempt (queue_id, attempted_at);
