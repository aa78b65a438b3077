-- PostgreSQL translation of sqlite/V21__tls_reports.sql (type rules: V1).
-- SMTP TLS Reporting (RFC 8460, issue 17). tls_session_count holds, per UTC day and recipient
-- policy domain, how many TLS sessions towards its MX hosts went well or failed, and how: the
-- applied policy (sts, tlsa or no-policy-found, its text and MX patterns), the result (success or an
-- RFC 8460 §4.3 result type) and, for failures, the MX host and address. Nodes add their counts
-- every minute. tls_report_sent records the daily report for a (day, domain) once one node has
-- taken it on (its primary key makes that one node), and what came of it.
CREATE TABLE tls_session_count (
    day            TEXT   NOT NULL,                -- yyyy-mm-dd, UTC
    policy_domain  TEXT   NOT NULL,
    policy_type    TEXT   NOT NULL,                -- sts | tlsa | no-policy-found
    policy_strings TEXT   NOT NULL,                -- the policy's lines, joined by LF
    mx_hosts       TEXT   NOT NULL,                -- the policy's MX patterns, joined by LF ('' for tlsa)
    result_type    TEXT   NOT NULL,                -- 'success' or an RFC 8460 §4.3 result type
    mx_host        TEXT   NOT NULL,                -- '' for success rows
    receiving_ip   TEXT   NOT NULL,                -- '' for success rows
    sessions       BIGINT NOT NULL,
    PRIMARY KEY (day, policy_domain, policy_type, policy_strings, mx_hosts, result_type, mx_host, receiving_ip)
);

CREATE TABLE tls_report_sent (
    day           TEXT   NOT NULL,
    policy_domain TEXT   NOT NULL,
    report_id     TEXT   NOT NULL,
    taken_at      BIGINT NOT NULL,                 -- epoch ms, when a node took the report on
    outcome       TEXT   NOT NULL DEFAULT '',      -- where it went, or why not
    PRIMARY KEY (day, policy_domain)
);
