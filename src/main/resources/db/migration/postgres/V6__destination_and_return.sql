-- PostgreSQL translation of sqlite/V6__destination_and_return.sql.
--
-- recipient.domain: the domain of the forward-path, lower-case. SQLite cuts the forward-path after
-- its last '@' with an rtrim/replace pair (it has no string search from the end); here a regular
-- expression takes what follows the last '@', as DueRecipient.domain() does. PostgreSQL's lower()
-- also folds non-ASCII letters (as that Java does) unless the database's LC_CTYPE is C; SQLite's only ASCII.
ALTER TABLE recipient ADD COLUMN domain TEXT NOT NULL DEFAULT '';
UPDATE recipient
   SET domain = lower(substring(forward_path FROM '@([^@]*)$'))
 WHERE strpos(forward_path, '@') > 0;

CREATE INDEX recipient_domain_state ON recipient (domain, state);
