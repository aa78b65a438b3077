-- Returned mail and complaints (issue 13, items 4 and 5): what a DSN (RFC 3464) or a feedback report
-- (RFC 5965) that came back to the VERP return path says about a recipient is kept in the message
-- history next to our own attempts, as a row of history_attempt that names where it came from.
--
--   source 'smtp': our own delivery attempt (its reply, or our own finding); every row before this
--                  migration is one.
--   source 'dsn':  a delivery status notification returned to the message's return path, failed
--                  (outcome 'failed') or delayed ('deferred', without next_attempt_at: the remote
--                  MTA retries, not we).
--   source 'arf':  a feedback report: outcome 'complained' (status 2.0.0, the message was
--                  delivered; the diagnostic names the feedback type).
--
-- Text values without a CHECK, as V1 explains. history_attempt.outcome gains 'complained', and
-- suppression.reason gains 'complaint' (an entry put there by a feedback report); both columns are
-- TEXT already, so only this comment and the Java enums change for them.

ALTER TABLE history_attempt ADD COLUMN source TEXT NOT NULL DEFAULT 'smtp';
