-- The suppression list (issue 12, item 6): recipients that mail from a sending domain must no longer
-- go to, because a remote server said they do not exist (hard bounce) or an operator said so.
-- Submission refuses RCPT to them (policy.SuppressionRule) instead of queueing another bounce.
--
-- Same conventions as V1: TEXT for strings, BIGINT for times (epoch milliseconds, UTC). One row per
-- sending domain (the reverse-path's domain) and recipient. Both are compared with lower(), the
-- function MessageQueue.list and the V1/V8 indexes use: SQLite's lower() folds ASCII only, so the
-- list folds addresses exactly as the queue does. The first reason is kept: adding an address that
-- is already listed changes nothing, so "since" stays the first bounce's time.
--
-- Only dev.hikyaku.store writes this table: Suppressions (admin add/remove, short transactions on the
-- account writer) and MessageQueue.record (automatic, in the transaction that records the failure).

CREATE TABLE suppression (
    sender_domain   TEXT    NOT NULL,                   -- the reverse-path's domain, as written
    recipient       TEXT    NOT NULL,                   -- the forward-path, as first listed
    reason          TEXT    NOT NULL,                   -- hard-bounce | manual
    enhanced_status TEXT,                               -- RFC 3463 status that caused it, e.g. 5.1.1; NULL for manual
    diagnostic      TEXT,                               -- 'smtp; 550 5.1.1 ...'; NULL for manual
    queue_id        TEXT,                               -- the message whose delivery failed; NULL for manual
    created_at      BIGINT  NOT NULL                    -- epoch ms
);

-- The key, and the RCPT lookup (one SEARCH per RCPT of a submission).
CREATE UNIQUE INDEX suppression_key ON suppression (lower(sender_domain), lower(recipient));
-- suppression list --recipient A (without --domain).
CREATE INDEX suppression_recipient ON suppression (lower(recipient));
