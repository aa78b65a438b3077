-- Queue administration by destination and by return (issue 6: `queue flush --domain`, `queue bounce`).
--
-- recipient.domain: the domain of the forward-path, lower-case (RFC 5321 §2.3.5: domains compare
-- without regard to case), written by the store at accept time. Rows from before this migration
-- get it here: the rtrim/replace pair cuts the forward-path after its last '@', as
-- DueRecipient.domain() does.
ALTER TABLE recipient ADD COLUMN domain TEXT NOT NULL DEFAULT '';
UPDATE recipient
   SET domain = lower(replace(forward_path, rtrim(forward_path, replace(forward_path, '@', '')), ''))
 WHERE instr(forward_path, '@') > 0;

-- flush --domain finds the deferred recipients of one destination through this index alone.
CREATE INDEX recipient_domain_state ON recipient (domain, state);

-- message.state gains 'returning': the administrator asked for the message to go back to its
-- sender (queue bounce). The scheduler fails its open recipients with a DSN at its next pass.
