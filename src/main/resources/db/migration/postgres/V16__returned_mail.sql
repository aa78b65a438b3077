-- PostgreSQL translation of sqlite/V16__returned_mail.sql (the same statement). On PostgreSQL 11+
-- adding a column with a constant default rewrites no rows.
ALTER TABLE history_attempt ADD COLUMN source TEXT NOT NULL DEFAULT 'smtp';
