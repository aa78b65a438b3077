-- The console (issue 20). Its overview: attempts counted by time, delivered, deferred and failed per
-- hour over the last day. Without it the count walks the whole attempt table.
CREATE INDEX history_attempt_at ON history_attempt (attempted_at);

-- A message's events, for its page (GET /v1/messages/{id}/events): without it, a scan of the feed.
CREATE INDEX message_event_queue_id ON message_event (queue_id, seq);
