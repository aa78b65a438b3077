-- DMARC aggregate reports (RFC 7489 §7.2, issue 17): dmarc_record_count holds, per UTC day and
-- policy domain that asks for aggregate reports (rua=), how many messages arrived with the same
-- report "record": source IP, From domain, disposition applied, DKIM and SPF alignment, and the
-- underlying DKIM and SPF results; with the policy as published. Nodes add their counts every
-- minute. dmarc_report_sent records the daily report for a (day, domain) once one node has taken
-- it on (its primary key makes that one node), and what came of it.
CREATE TABLE dmarc_record_count (
    day            TEXT   NOT NULL,                -- yyyy-mm-dd, UTC
    policy_domain  TEXT   NOT NULL,                -- where the DMARC record was found
    policy         TEXT   NOT NULL,                -- adkim, aspf, p, sp, pct as published, space-separated tag=value
    rua            TEXT   NOT NULL,                -- the rua URIs, joined by LF
    source_ip      TEXT   NOT NULL,
    header_from    TEXT   NOT NULL,
    disposition    TEXT   NOT NULL,                -- none | quarantine | reject
    dkim_aligned   TEXT   NOT NULL,                -- pass | fail
    spf_aligned    TEXT   NOT NULL,                -- pass | fail
    dkim_results   TEXT   NOT NULL,                -- "domain selector result" per signature, joined by LF
    spf_domain     TEXT   NOT NULL,
    spf_scope      TEXT   NOT NULL,                -- mfrom | helo
    spf_result     TEXT   NOT NULL,
    messages       BIGINT NOT NULL,
    PRIMARY KEY (day, policy_domain, policy, rua, source_ip, header_from, disposition, dkim_aligned, spf_aligned,
                 dkim_results, spf_domain, spf_scope, spf_result)
);

CREATE TABLE dmarc_report_sent (
    day           TEXT   NOT NULL,
    policy_domain TEXT   NOT NULL,
    report_id     TEXT   NOT NULL,
    taken_at      BIGINT NOT NULL,                 -- epoch ms, when a node took the report on
    outcome       TEXT   NOT NULL DEFAULT '',      -- where it went, or why not
    PRIMARY KEY (day, policy_domain)
);
