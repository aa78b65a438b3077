-- The console's overview (issue 20): attempts counted by time, delivered, deferred and failed per
-- hour over the last day. Without it the count walks the whole attempt table.
CREATE INDEX history_attempt_at ON history_attempt (attempted_at);
