-- What the scheduler needs from the queue (issue 6).
--
-- last_attempt_at: when the recipient was last tried (epoch ms; NULL before the first attempt). A
-- DSN reports it as Last-Attempt-Date (RFC 3464 §2.3.7), and the delay warning is due at the first
-- attempt after its threshold, which needs the previous attempt's time.
ALTER TABLE recipient ADD COLUMN last_attempt_at BIGINT;

-- MessageQueue.due and nextDue look recipients up by state and due time: without this index every
-- pass of the scheduler would read every recipient of every queued message.
CREATE INDEX recipient_state_next_attempt_at ON recipient (state, next_attempt_at);
