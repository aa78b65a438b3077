-- PostgreSQL translation of sqlite/V17__queue_indexes.sql (the same statements). Not CREATE INDEX
-- CONCURRENTLY: it cannot run in Flyway's migration transaction (SCALE.md §2.8).
DROP INDEX message_reverse_path;
CREATE INDEX message_reverse_path_received_at ON message (lower(reverse_path), received_at, id);
DROP INDEX message_state_received_at;
CREATE INDEX message_state_received_at_id ON message (state, received_at, id);

DROP INDEX recipient_domain_state;
CREATE INDEX recipient_domain_state_next_attempt_at ON recipient (domain, state, next_attempt_at);
