-- PostgreSQL translation of sqlite/V3__defences.sql (type rules: V1).

CREATE TABLE block (
    scope       TEXT    NOT NULL,       -- ip | net24 | net64 | account-from-source
    subject     TEXT    NOT NULL,
    until_at    BIGINT  NOT NULL,
    reason      TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (scope, subject)
);
CREATE INDEX block_until ON block (until_at);

CREATE TABLE known_source (
    account_id       BIGINT  NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    network          TEXT    NOT NULL,
    last_success_at  BIGINT  NOT NULL,
    PRIMARY KEY (account_id, network)
);

CREATE TABLE counter (
    name          TEXT    NOT NULL PRIMARY KEY,
    window_start  BIGINT  NOT NULL,
    count         BIGINT  NOT NULL
);

ALTER TABLE account ADD COLUMN suspended_at BIGINT;
ALTER TABLE account ADD COLUMN suspension_reason TEXT;
