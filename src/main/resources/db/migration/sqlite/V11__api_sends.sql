-- Sending over the HTTP API (issue 12, items 3 and 4): what an application attaches to a message
-- for itself (tags and metadata, shown back by GET /v1/messages/{id}), and the answers kept for
-- Idempotency-Key (draft-ietf-httpapi-idempotency-key-header-07), so that a request repeated within
-- 24 hours gets the first answer instead of a second message.
--
-- Same conventions as V1 and V8: TEXT for strings, BIGINT for times (epoch milliseconds, UTC),
-- INTEGER for positions and counts. Only dev.hikyaku.store writes these tables, all of them in the
-- transaction of MessageQueue.accept (GroupCommitWriter.insert): a message, its tags, its metadata
-- and its idempotency record commit together or not at all. History pruning deletes tags and
-- metadata with the rest of a message's history; idempotency records go after 24 hours.

-- The tags of a message, in the order the application gave them (at most 10, checked by the API).
CREATE TABLE history_tag (
    queue_id        TEXT    NOT NULL,
    position        INTEGER NOT NULL,                   -- from 0
    tag             TEXT    NOT NULL,
    received_at     BIGINT  NOT NULL,                   -- the message's, for searches by tag newest first
    PRIMARY KEY (queue_id, position)
);
CREATE INDEX history_tag_tag ON history_tag (tag, received_at, queue_id);

-- The metadata of a message: string names to string values, in the order given.
CREATE TABLE history_metadata (
    queue_id        TEXT    NOT NULL,
    position        INTEGER NOT NULL,                   -- from 0
    name            TEXT    NOT NULL,
    value           TEXT    NOT NULL,
    PRIMARY KEY (queue_id, position)
);

-- One answer per idempotency scope: the API key's name, the request path and the Idempotency-Key
-- (a batch item's scope ends in '#' and its index). Written only for a request whose message was
-- queued; a refused request keeps nothing, so repeating it is tried afresh.
CREATE TABLE idempotency (
    scope           TEXT    NOT NULL PRIMARY KEY,
    fingerprint     TEXT    NOT NULL,                   -- SHA-256 of the request body, lower-case hex
    queue_id        TEXT    NOT NULL,                   -- the message the request queued
    status          INTEGER NOT NULL,                   -- the HTTP status answered (202)
    response        TEXT    NOT NULL,                   -- the JSON body answered
    created_at      BIGINT  NOT NULL                    -- epoch ms; ignored and pruned after 24 h
);
CREATE INDEX idempotency_created_at ON idempotency (created_at);
