-- The queue at scale (issue 15 point 5: 100,000 queued messages; bench/README.md "Queue at scale").
--
-- queue list --sender and --state: the index yields the sender's (or the state's) messages in the
-- list's order, (received_at, id), so the oldest N are read and the rest never; before, all 20,000
-- messages of a bulk sender were read and sorted to list 1,000 of them. The old indexes were their
-- prefixes: replaced, not kept beside, so an accepted message writes no more index entries than before.
DROP INDEX message_reverse_path;
CREATE INDEX message_reverse_path_received_at ON message (lower(reverse_path), received_at, id);
DROP INDEX message_state_received_at;
CREATE INDEX message_state_received_at_id ON message (state, received_at, id);

-- queue flush --domain runs in batches (MessageQueue.FLUSH_BATCH), each taking the destination's
-- deferred recipients not yet due now (next_attempt_at IS NOT NULL): with next_attempt_at in the
-- index that is one range, not a walk past every recipient the earlier batches made due.
DROP INDEX recipient_domain_state;
CREATE INDEX recipient_domain_state_next_attempt_at ON recipient (domain, state, next_attempt_at);
