-- PostgreSQL translation of sqlite/V20__delivery_leases.sql (delivery leases and the node table;
-- the reasons are there). ADD COLUMN with a constant default rewrites no rows (PostgreSQL 11+).
ALTER TABLE message ADD COLUMN lease_owner TEXT;
ALTER TABLE message ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE message ADD COLUMN lease_token BIGINT NOT NULL DEFAULT 0;
CREATE INDEX message_lease_owner ON message (lease_owner) WHERE lease_owner IS NOT NULL;

CREATE TABLE node (
    id         TEXT   NOT NULL PRIMARY KEY,
    address    TEXT   NOT NULL,
    instance   TEXT   NOT NULL,
    started_at BIGINT NOT NULL,
    seen_at    BIGINT NOT NULL
);
