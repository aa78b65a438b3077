-- The operators' console (issue 20): the accounts that may sign in to it, each with the secret of
-- its second factor, a TOTP (RFC 6238: HMAC-SHA-1, 30-second steps, 6 digits), and the last time
-- step a code was accepted for, so that a code is good once (RFC 6238 §5.2) on every node.
--
-- The secret is kept as it must be used: the server computes codes from it. Like the server
-- secret, it is as safe as the store and its backups are.

CREATE TABLE console_admin (
    account_id   INTEGER NOT NULL PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
    totp_secret  BLOB    NOT NULL,
    last_step    BIGINT  NOT NULL DEFAULT 0,   -- the last accepted step (Unix time / 30 s); 0: none yet
    created_at   BIGINT  NOT NULL
);
