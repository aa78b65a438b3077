-- queue flush and flush --domain as requests (issue 15 point 5; bench/README.md "Queue at scale").
--
-- Moving the deferred recipients of a big destination forward rewrites tens of thousands of rows:
-- in one transaction it held the write lock (and every session's group commit, the 250 after DATA)
-- for a second or more, and in batches from the CLI it took the operator 13 s. As Postfix's
-- postqueue only asks the queue manager, the CLI now writes one row here and returns; the scheduler
-- moves the recipients in small batches between its passes (MessageQueue.applyFlush), and deletes
-- the row when done. A request written while the server is stopped is applied when it starts.
CREATE TABLE flush_request (
    id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, -- PostgreSQL: GENERATED ALWAYS AS IDENTITY
    domain       TEXT,                -- lower-case; NULL: every destination (queue flush)
    requested_at BIGINT  NOT NULL,    -- epoch ms; when the operator asked (for the record)
    remaining    INTEGER NOT NULL     -- recipients still to move at most: the count the CLI reported,
                                      -- plus one batch; bounds the work whatever the scheduler defers meanwhile
);
