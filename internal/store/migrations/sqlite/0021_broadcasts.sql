-- Broadcasts (一斉配信, issue 8 §3): one e-mail sent to segments and lists.
-- Queueing a broadcast writes its recipients into email_messages (0019)
-- with source_type 'broadcast'; the senders deliver them from there.
-- Sending settings (relays, DKIM, the compliance block) live in the
-- settings table as one JSON document (key email.sending).

CREATE TABLE broadcasts (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'draft', -- draft | scheduled | queueing | sending | paused | sent | cancelled
    include_ids  TEXT NOT NULL DEFAULT '[]',    -- segment / list ids, JSON
    exclude_ids  TEXT NOT NULL DEFAULT '[]',
    subject      TEXT NOT NULL DEFAULT '',
    subject_b    TEXT NOT NULL DEFAULT '',      -- A/B test: the second subject ('' = no test)
    preheader    TEXT NOT NULL DEFAULT '',
    html         TEXT NOT NULL DEFAULT '',
    template_id  BIGINT REFERENCES email_templates (id) ON DELETE SET NULL, -- the content comes from a template instead of html
    from_name    TEXT NOT NULL DEFAULT '',
    as_owner     INTEGER NOT NULL DEFAULT 0,    -- From = the contact's owner
    topic        TEXT NOT NULL DEFAULT '',
    send_at      BIGINT,                        -- schedule (unix ms); NULL = when started
    per_second   INTEGER NOT NULL DEFAULT 0,
    per_hour     INTEGER NOT NULL DEFAULT 0,
    ab_share     INTEGER NOT NULL DEFAULT 0,    -- percent of recipients in the test (split a / b)
    ab_wait_min  INTEGER NOT NULL DEFAULT 0,    -- minutes before the winner goes to the rest
    ab_metric    TEXT NOT NULL DEFAULT 'opens', -- opens | clicks
    winner       TEXT NOT NULL DEFAULT '',      -- a | b once chosen
    recipients   INTEGER NOT NULL DEFAULT 0,    -- rows queued
    error        TEXT NOT NULL DEFAULT '',
    created_by   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    started_at   BIGINT,
    finished_at  BIGINT,
    version      BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX broadcasts_status ON broadcasts (status, send_at);

-- Progress and reports count a broadcast's messages by status.
CREATE INDEX email_messages_source ON email_messages (source_type, source_id, status);
