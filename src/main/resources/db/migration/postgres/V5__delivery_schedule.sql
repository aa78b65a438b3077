-- PostgreSQL translation of sqlite/V5__delivery_schedule.sql (the same statements).
ALTER TABLE recipient ADD COLUMN last_attempt_at BIGINT;

CREATE INDEX recipient_state_next_attempt_at ON recipient (state, next_attempt_at);
