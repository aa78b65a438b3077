-- API keys (issue 12, item 2): generated credentials for applications, each acting for one account,
-- with scopes, an optional narrowing of the senders the account may use, and an optional list of
-- networks it may be used from. The same key is the password of SMTP AUTH and (later) the bearer
-- token of the HTTP API.
--
-- Same conventions as V2: TEXT for strings, BIGINT for times (epoch milliseconds, UTC). Only the
-- keyed hash of a key is stored (HMAC-SHA-256 under server_secret, lower-case hex), never the key.
-- Lists are stored as space-separated lower-case values written and parsed by dev.hikyaku.store:
--   scopes           send | read | admin
--   senders          local@domain | @domain; empty = whatever the account may use
--   allowed_networks CIDR blocks (192.0.2.0/24, 2001:db8::/32); empty = from anywhere

CREATE TABLE api_key (
    id               INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    name             TEXT    NOT NULL UNIQUE,            -- revoked keys keep their name
    account_id       INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    keyed_hash       TEXT    NOT NULL,
    scopes           TEXT    NOT NULL,
    senders          TEXT    NOT NULL DEFAULT '',
    allowed_networks TEXT    NOT NULL DEFAULT '',
    created_at       BIGINT  NOT NULL,
    last_used_at     BIGINT,
    revoked_at       BIGINT                              -- NULL while active
);

-- Verification looks a key up by its keyed hash, never by scanning and comparing.
CREATE INDEX api_key_hash ON api_key (keyed_hash);
-- Listing an account's keys, and the foreign key check when an account is deleted.
CREATE INDEX api_key_account ON api_key (account_id);
