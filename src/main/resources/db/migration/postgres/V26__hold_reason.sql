-- Why a message is held (issue 21): a content filter's verdict on a submitted message, shown by
-- `queue list --state held`; NULL for a message held by an operator, or not held.
ALTER TABLE message ADD COLUMN hold_reason TEXT;
