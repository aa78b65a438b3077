-- V15, not V14: main has V14__events_without_a_message (message.suppressed) and the returned-mail
-- branch takes V16.
--
-- Webhooks (issue 13): endpoints an account registers, and the delivery of each event of its feed
-- (message_event, V12: the outbox, written in the transaction of the change it tells of) to each.
--
-- Same conventions as V1: TEXT for strings, BIGINT for times (epoch milliseconds, UTC), INTEGER
-- for flags (0/1). Only dev.hikyaku.store writes these tables.

-- An endpoint: where to POST the events of one account, which ones, and the secret they are signed
-- with (Standard Webhooks 1.0). The secret must be kept readable to sign with (an HMAC key cannot be
-- stored as a hash); it is shown once, at creation or rotation, and never listed.
--
-- cursor_seq is the last message_event.seq looked at for this endpoint: every event after it is
-- still to be matched against the endpoint's filters and, when it matches, turned into a
-- webhook_delivery row, in the same transaction that moves the cursor (so none is skipped or taken
-- twice, across crashes). It starts at the feed's high-water mark when the endpoint is created.
CREATE TABLE webhook_endpoint (
    id                        TEXT    NOT NULL PRIMARY KEY,   -- wh_ and 16 hex digits
    account                   TEXT    NOT NULL,               -- lower-case, as message_event.account
    url                       TEXT    NOT NULL,
    event_types               TEXT    NOT NULL,               -- space-separated api.EventType names
    sending_domain            TEXT,                           -- lower-case; NULL: every sending domain
    api_key                   TEXT,                           -- an api_key.name; NULL: any key, and SMTP without one
    secret                    TEXT    NOT NULL,               -- whsec_ + base64 of 24 random octets
    previous_secret           TEXT,                           -- still signs until previous_secret_expires_at (rotation)
    previous_secret_expires_at BIGINT,
    allow_private             INTEGER NOT NULL DEFAULT 0,     -- 1: loopback, private and http:// targets allowed
    cursor_seq                BIGINT  NOT NULL,
    last_success_at           BIGINT,                         -- the last 2xx
    disabled_at               BIGINT,                         -- NULL while enabled
    disabled_reason           TEXT,
    created_at                BIGINT  NOT NULL
);
CREATE INDEX webhook_endpoint_account ON webhook_endpoint (account, created_at);

-- One event (or a test ping) to one endpoint, with the state of its delivery and the outcome of its
-- latest attempt: the delivery log. pending rows are due at next_attempt_at; delivered and failed
-- are final. The webhook-id sent is evt_<event_seq> (whtest_<id> for a ping): the same on every
-- attempt and on a replay.
CREATE TABLE webhook_delivery (
    id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    endpoint_id     TEXT    NOT NULL,
    event_seq       BIGINT,                                   -- message_event.seq; NULL for a test ping
    event_type      TEXT    NOT NULL,                         -- the event's type (webhook.test for a ping), kept for the log
    kind            TEXT    NOT NULL,                         -- event | replay | test
    status          TEXT    NOT NULL,                         -- pending | delivered | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,                                   -- pending only
    last_attempt_at BIGINT,
    response_status INTEGER,                                  -- HTTP status of the latest attempt; NULL when none came
    error           TEXT,                                     -- why the latest attempt failed, when not by its status
    latency_ms      BIGINT,                                   -- of the latest attempt
    response        TEXT,                                     -- at most 1 KiB of the latest response body
    delivered_at    BIGINT,
    created_at      BIGINT  NOT NULL
);
-- What is due: pending rows by time (a partial index, so delivered and failed rows cost nothing).
CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at) WHERE status = 'pending';
-- An endpoint's delivery log, newest first.
CREATE INDEX webhook_delivery_endpoint ON webhook_delivery (endpoint_id, id);

-- The API key a message was sent with (over the API, or as an SMTP AUTH password), for the
-- endpoints that only want the events of one key's messages. NULL: sent without one.
ALTER TABLE history_message ADD COLUMN api_key TEXT;
