-- PostgreSQL translation of sqlite/V24__console_admins.sql (type rules: V1).

CREATE TABLE console_admin (
    account_id   BIGINT  NOT NULL PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
    totp_secret  BYTEA   NOT NULL,
    last_step    BIGINT  NOT NULL DEFAULT 0,
    created_at   BIGINT  NOT NULL
);
