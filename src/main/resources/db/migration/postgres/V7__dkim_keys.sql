-- PostgreSQL translation of sqlite/V7__dkim_keys.sql (type rules: V1).
CREATE TABLE dkim_key (
    domain      TEXT    NOT NULL,
    selector    TEXT    NOT NULL,
    algorithm   TEXT    NOT NULL,       -- rsa-sha256 | ed25519-sha256
    private_key BYTEA   NOT NULL,       -- PKCS#8 DER
    public_key  BYTEA   NOT NULL,       -- X.509 SubjectPublicKeyInfo DER
    state       TEXT    NOT NULL DEFAULT 'pending',
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (domain, selector)
);
