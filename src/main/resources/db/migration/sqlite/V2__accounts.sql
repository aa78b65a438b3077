-- Accounts for SMTP AUTH (RFC 4954) on the submission ports, the addresses each may send as
-- (RFC 6409 §4.2), app passwords, and the server secret their keyed hashes use.
--
-- Same conventions as V1: TEXT for strings, BIGINT for times (epoch milliseconds, UTC), INTEGER
-- for flags (0/1) and counters, BLOB where PostgreSQL will use BYTEA. Addresses, domains and senders
-- are stored lower-case by dev.hikyaku.store, so plain equality (and the indexes) match them.
--
-- Ids are INTEGER PRIMARY KEY AUTOINCREMENT (PostgreSQL: BIGINT GENERATED ALWAYS AS IDENTITY):
-- without AUTOINCREMENT SQLite may hand a deleted row's id to the next insert, and an id remembered
-- elsewhere (a pending last-use recording, an auth cache entry) would then name someone else.
--
-- Credential columns hold opaque strings produced by dev.hikyaku.auth (PHC string, SCRAM stored
-- key record, CRAM-MD5 secret); NULL means the account has no credential of that kind.

CREATE TABLE domain (
    name        TEXT    NOT NULL PRIMARY KEY,
    created_at  BIGINT  NOT NULL
);

CREATE TABLE account (
    id                    INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    address               TEXT    NOT NULL UNIQUE,          -- the login; lower-case
    domain                TEXT    NOT NULL REFERENCES domain (name),
    argon2id              TEXT,
    scram_sha256          TEXT,
    cram_md5              TEXT,
    disabled              INTEGER NOT NULL DEFAULT 0,       -- 0 | 1
    from_header           TEXT    NOT NULL,                 -- reject | add-sender
    created_at            BIGINT  NOT NULL,
    last_login_at         BIGINT,
    credential_generation BIGINT  NOT NULL DEFAULT 0        -- bumped on any credential change
);

-- Listing a domain's accounts, counting them before the domain goes, and the foreign key check
-- when a domain row is deleted (https://sqlite.org/foreignkeys.html#fk_indexes).
CREATE INDEX account_domain ON account (domain, address);

CREATE TABLE account_sender (
    account_id  INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    sender      TEXT    NOT NULL,                           -- local@domain | @domain; lower-case
    UNIQUE (account_id, sender)
);

-- "Who may send as this address?" (the reverse of Postfix's smtpd_sender_login_maps).
CREATE INDEX account_sender_sender ON account_sender (sender);

CREATE TABLE app_password (
    id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    account_id   INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    keyed_hash   TEXT    NOT NULL,                          -- HMAC-SHA-256, lower-case hex
    created_at   BIGINT  NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT,                                    -- NULL while active
    UNIQUE (account_id, name)
);

-- Verification looks an app password up by its keyed hash, never by scanning and comparing.
CREATE INDEX app_password_account_hash ON app_password (account_id, keyed_hash);

-- One row: the key of the keyed hashes. Created by the store on first use.
CREATE TABLE server_secret (
    id      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    secret  BLOB    NOT NULL
);
