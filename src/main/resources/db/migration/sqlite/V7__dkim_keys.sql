-- DKIM signing keys (issue 7), one row per domain and selector (RFC 6376 §3.1).
--
-- algorithm: rsa-sha256 | ed25519-sha256 (the a= tag). private_key is PKCS#8 DER, public_key the
-- X.509 SubjectPublicKeyInfo DER. state: pending (generated; its DNS record may not be published
-- yet, so it does not sign), active (signs; at most one per domain and algorithm), retired (no
-- longer signs; kept until removed so its record can stay in DNS while mail signed with it is in
-- flight).
CREATE TABLE dkim_key (
    domain      TEXT    NOT NULL,
    selector    TEXT    NOT NULL,
    algorithm   TEXT    NOT NULL,
    private_key BLOB    NOT NULL,
    public_key  BLOB    NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'pending',
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (domain, selector)
);
