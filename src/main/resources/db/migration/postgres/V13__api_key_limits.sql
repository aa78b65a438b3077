-- PostgreSQL translation of sqlite/V13__api_key_limits.sql (type rules: V1).

ALTER TABLE api_key ADD COLUMN messages_per_minute BIGINT CHECK (messages_per_minute >= 1);  -- NULL: the account's rate only
ALTER TABLE api_key ADD COLUMN messages_per_day    BIGINT CHECK (messages_per_day >= 1);     -- NULL: the account's quota only
