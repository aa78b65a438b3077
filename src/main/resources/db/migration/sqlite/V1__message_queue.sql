-- The message queue: envelope, per-recipient state and body.
--
-- Written so that a PostgreSQL migration can keep the same shape: TEXT for strings, BIGINT for
-- times (epoch milliseconds, UTC), INTEGER for counts, BLOB here where PostgreSQL will use BYTEA.
-- States are plain TEXT without CHECK constraints: SQLite cannot alter a CHECK without rebuilding the
-- table, and only dev.hikyaku.store writes these columns.

CREATE TABLE message (
    id              TEXT    NOT NULL PRIMARY KEY,       -- QueueId: 16 chars Crockford base32
    received_at     BIGINT  NOT NULL,                   -- epoch ms
    reverse_path    TEXT    NOT NULL,                   -- '' is the null reverse-path <> (RFC 5321 §4.5.5)
    mail_parameters TEXT    NOT NULL,                   -- MAIL FROM ESMTP parameters as on the wire
    listener        TEXT    NOT NULL,
    client_address  TEXT    NOT NULL,
    helo_name       TEXT    NOT NULL,
    tls_protocol    TEXT,
    tls_cipher      TEXT,
    principal       TEXT,
    size            BIGINT  NOT NULL,                   -- octets of message_content.content
    state           TEXT    NOT NULL DEFAULT 'queued'   -- queued | held
);

-- The body lives apart from the envelope row so that listing the queue never pages bodies in.
CREATE TABLE message_content (
    message_id  TEXT NOT NULL PRIMARY KEY REFERENCES message (id) ON DELETE CASCADE,
    content     BLOB NOT NULL
);

CREATE TABLE recipient (
    message_id      TEXT    NOT NULL REFERENCES message (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,                   -- RCPT order, from 0
    forward_path    TEXT    NOT NULL,
    parameters      TEXT    NOT NULL,                   -- RCPT TO ESMTP parameters as on the wire
    state           TEXT    NOT NULL DEFAULT 'pending', -- pending | deferred | delivered | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_reply      TEXT,
    next_attempt_at BIGINT,                             -- epoch ms; NULL: due now
    PRIMARY KEY (message_id, position)
);

-- What MessageQueue.list filters and orders on. Address searches compare lower(...) on both sides,
-- so the expression indexes below are the ones the planner uses.
CREATE INDEX message_received_at ON message (received_at, id);
CREATE INDEX message_state_received_at ON message (state, received_at);
CREATE INDEX message_reverse_path ON message (lower(reverse_path));
CREATE INDEX recipient_forward_path ON recipient (lower(forward_path));
