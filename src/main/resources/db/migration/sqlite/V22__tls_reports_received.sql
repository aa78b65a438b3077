-- TLS reports (RFC 8460) other senders send about mail to our hosted domains, POSTed to the API
-- listener's /tlsrpt (issue 17): kept as received (the JSON, decompressed), with the fields an
-- operator lists them by. A report sent twice (its organization and report-id) is kept once.
CREATE TABLE tls_report_received (
    id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    organization    TEXT   NOT NULL,               -- organization-name
    report_id       TEXT   NOT NULL,
    policy_domain   TEXT   NOT NULL,               -- the first policy's (a report is about one domain)
    start_at        BIGINT NOT NULL,               -- date-range, epoch ms
    end_at          BIGINT NOT NULL,
    successes       BIGINT NOT NULL,               -- summed over the report's policies
    failures        BIGINT NOT NULL,
    report          TEXT   NOT NULL,               -- the JSON as received
    received_at     BIGINT NOT NULL,
    UNIQUE (organization, report_id)
);
CREATE INDEX tls_report_received_domain ON tls_report_received (policy_domain, start_at);
