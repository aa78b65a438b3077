-- PostgreSQL translation of sqlite/V10__suppressions.sql (type rules: V1). The unique key is on
-- lower() of both columns, as in SQLite; PostgreSQL's lower() folds non-ASCII letters too unless
-- the database's LC_CTYPE is C, so two addresses differing only in a non-ASCII letter's case are one key here.

CREATE TABLE suppression (
    sender_domain   TEXT    NOT NULL,
    recipient       TEXT    NOT NULL,
    reason          TEXT    NOT NULL,                   -- hard-bounce | manual | complaint
    enhanced_status TEXT,
    diagnostic      TEXT,
    queue_id        TEXT,
    created_at      BIGINT  NOT NULL                    -- epoch ms
);

CREATE UNIQUE INDEX suppression_key ON suppression (lower(sender_domain), lower(recipient));
CREATE INDEX suppression_recipient ON suppression (lower(recipient));
