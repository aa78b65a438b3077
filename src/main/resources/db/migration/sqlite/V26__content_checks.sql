-- Why a message is held (issue 21): a content filter's verdict on a submitted message, shown by
-- `queue list --state held`; NULL for a message held by an operator, or not held.
ALTER TABLE message ADD COLUMN hold_reason TEXT;

-- The content filter's verdict on an accepted message, for its history (GET /v1/messages/{id}):
-- rspamd's action ('no action', 'add header', ..., 'reject', 'unavailable'), its score and
-- threshold in hundredths; NULL when the message was not scanned.
ALTER TABLE history_message ADD COLUMN scan_action TEXT;
ALTER TABLE history_message ADD COLUMN scan_score BIGINT;
ALTER TABLE history_message ADD COLUMN scan_required BIGINT;
