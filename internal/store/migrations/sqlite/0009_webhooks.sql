-- Outgoing webhooks and their delivery log. Times are Unix ms; booleans
-- INTEGER 0/1. The secret is kept as it is: it signs every delivery
-- (HMAC-SHA256), so it cannot be stored hashed; it is shown once.

CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    url         TEXT NOT NULL,
    events      TEXT NOT NULL DEFAULT '[]',  -- JSON array of event names
    secret      TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    -- After a failed attempt the receiver is left alone until the retry:
    -- deliveries queued meanwhile wait too (Unix ms, 0 = not paused).
    paused_until BIGINT NOT NULL DEFAULT 0,
    created_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1
);

-- One row per event and webhook. contact_id names the person the payload
-- is about (no foreign key: the log outlives a deleted contact, and erasing
-- a person deletes their rows here explicitly).
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    webhook_id      BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    uid             TEXT NOT NULL UNIQUE,        -- X-Renkei-Delivery
    event           TEXT NOT NULL,
    event_id        TEXT NOT NULL,               -- the payload's id; the same for every webhook and resend
    contact_id      BIGINT,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL,               -- pending | retrying | delivered | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,   -- 0 = no attempt planned
    last_attempt_at BIGINT NOT NULL DEFAULT 0,
    response_code   INTEGER NOT NULL DEFAULT 0,
    response_body   TEXT NOT NULL DEFAULT '',    -- the first bytes
    duration_ms     INTEGER NOT NULL DEFAULT 0,
    error           TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_contact ON webhook_deliveries (contact_id);
CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created_at);
