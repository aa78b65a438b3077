-- PostgreSQL translation of sqlite/V11__api_sends.sql (type rules: V1).

CREATE TABLE history_tag (
    queue_id        TEXT    NOT NULL,
    position        BIGINT  NOT NULL,                   -- from 0
    tag             TEXT    NOT NULL,
    received_at     BIGINT  NOT NULL,
    PRIMARY KEY (queue_id, position)
);
CREATE INDEX history_tag_tag ON history_tag (tag, received_at, queue_id);

CREATE TABLE history_metadata (
    queue_id        TEXT    NOT NULL,
    position        BIGINT  NOT NULL,                   -- from 0
    name            TEXT    NOT NULL,
    value           TEXT    NOT NULL,
    PRIMARY KEY (queue_id, position)
);

CREATE TABLE idempotency (
    scope           TEXT    NOT NULL PRIMARY KEY,
    fingerprint     TEXT    NOT NULL,
    queue_id        TEXT    NOT NULL,
    status          BIGINT  NOT NULL,                   -- the HTTP status answered (202)
    response        TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX idempotency_created_at ON idempotency (created_at);
