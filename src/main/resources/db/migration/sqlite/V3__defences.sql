-- Abuse defence state that must outlive a restart and, with PostgreSQL, be shared between nodes:
-- blocks, the networks each account has logged in from (so its owner is never locked out by an
-- attacker), snapshots of the in-memory failure and rate counters, and account suspension.
-- Same conventions as V1/V2: times are epoch milliseconds (UTC).

-- A temporary refusal: a client address or network, or an account when tried from a network.
CREATE TABLE block (
    scope       TEXT    NOT NULL,       -- ip | net24 | net64 | account-from-source
    subject     TEXT    NOT NULL,       -- 192.0.2.7 | 192.0.2.0/24 | alice@example.com from 192.0.2.0/24
    until_at    BIGINT  NOT NULL,
    reason      TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (scope, subject)
);
CREATE INDEX block_until ON block (until_at);

-- Networks (/24 for IPv4, /64 for IPv6) an account authenticated from successfully.
CREATE TABLE known_source (
    account_id       INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    network          TEXT    NOT NULL,
    last_success_at  BIGINT  NOT NULL,
    PRIMARY KEY (account_id, network)
);

-- A snapshot of one windowed counter (written every few seconds and at shutdown).
CREATE TABLE counter (
    name          TEXT    NOT NULL PRIMARY KEY,
    window_start  BIGINT  NOT NULL,
    count         BIGINT  NOT NULL
);

ALTER TABLE account ADD COLUMN suspended_at BIGINT;
ALTER TABLE account ADD COLUMN suspension_reason TEXT;
