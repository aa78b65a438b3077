-- Administrative changes made through the CLI (or another node), waiting for a running server to
-- publish them as events, so they reach its audit log. published_at is set by the server that did.
CREATE TABLE admin_change (
    id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    at            BIGINT  NOT NULL,
    command       TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    detail        TEXT    NOT NULL,
    published_at  BIGINT
);
CREATE INDEX admin_change_unpublished ON admin_change (published_at, id);
