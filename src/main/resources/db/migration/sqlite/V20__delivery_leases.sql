-- Several nodes on one queue (issue 16; SCALE.md §2.3). A node delivers a message only while it
-- holds the message's lease: lease_owner is the node (store.node-id), lease_until when the lease
-- ends unless renewed (epoch ms, the database's clock on PostgreSQL), lease_token a fencing token
-- raised by every claim. A node's outcomes are written only while the token is still the one it
-- claimed with, so a node paused or cut off past its lease changes nothing once another has taken
-- the message over (it is counted as a lost lease). The node that accepts a message holds its lease
-- from the start and delivers it without waiting for a poll; a dead node's leases lapse.
--
-- The lease is the message's, not a (message, domain) row's as SCALE.md §2.2 sketches: the unit of
-- the scheduler's work is the due message (its due recipients split by domain within the pass),
-- and one schedule (recipient.next_attempt_at) stays the one truth of what is due.
ALTER TABLE message ADD COLUMN lease_owner TEXT;
ALTER TABLE message ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE message ADD COLUMN lease_token BIGINT NOT NULL DEFAULT 0;
-- Renewal and "leases held by node", without a scan: only leased messages are in it.
CREATE INDEX message_lease_owner ON message (lease_owner) WHERE lease_owner IS NOT NULL;

-- The nodes sharing the store: each writes its row at start (refused when a live node elsewhere has
-- its id) and renews seen_at with its leases. instance tells a restart of the same node apart from
-- a second node started with a copied config.
CREATE TABLE node (
    id         TEXT   NOT NULL PRIMARY KEY,
    address    TEXT   NOT NULL,               -- host name and process id, for the operator
    instance   TEXT   NOT NULL,               -- random per process
    started_at BIGINT NOT NULL,               -- epoch ms
    seen_at    BIGINT NOT NULL                -- epoch ms, the last heartbeat
);
