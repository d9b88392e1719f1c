-- E-mail marketing (issue 8): the two tables every sender of marketing mail
-- shares. Broadcasts, sequences, templates, bounces and preferences add
-- their own tables in later migrations.

-- The outbox: one row per message to one recipient. A broadcast (or a
-- sequence step) queues its recipients here; senders in any process claim
-- due rows in batches (claimed_by / claimed_until is the lease), render
-- them, send them and record the outcome. The unique key makes queueing
-- idempotent: a recipient is queued once per source, whatever retries or
-- crashes happen while queueing.
CREATE TABLE email_messages (
    id            INTEGER PRIMARY KEY,
    source_type   TEXT NOT NULL,                 -- broadcast | sequence | test
    source_id     BIGINT NOT NULL,               -- the broadcast or sequence step
    variant       TEXT NOT NULL DEFAULT '',      -- A/B: a | b | '' (no test or the winner)
    contact_id    BIGINT REFERENCES contacts (id) ON DELETE CASCADE,
    email         TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'queued', -- queued | sending | sent | failed | bounced | suppressed | cancelled
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       BIGINT NOT NULL,               -- due time (unix ms); retries move it forward
    claimed_by    TEXT NOT NULL DEFAULT '',
    claimed_until BIGINT NOT NULL DEFAULT 0,
    server        TEXT NOT NULL DEFAULT '',      -- the SMTP server that took it
    message_id    TEXT NOT NULL DEFAULT '',      -- the Message-ID header
    error         TEXT NOT NULL DEFAULT '',
    queued_at     BIGINT NOT NULL,
    sent_at       BIGINT,
    UNIQUE (source_type, source_id, contact_id)
);
CREATE INDEX email_messages_due ON email_messages (status, next_at);
CREATE INDEX email_messages_contact ON email_messages (contact_id);

-- What recipients did with a message: opened, clicked (url), bounced
-- (hard or soft in detail), complained, unsubscribed, replied. Source
-- columns are copied from the message so reports group without a join.
CREATE TABLE email_events (
    id          INTEGER PRIMARY KEY,
    message_id  BIGINT REFERENCES email_messages (id) ON DELETE CASCADE,
    contact_id  BIGINT REFERENCES contacts (id) ON DELETE CASCADE,
    source_type TEXT NOT NULL DEFAULT '',
    source_id   BIGINT NOT NULL DEFAULT 0,
    kind        TEXT NOT NULL,                   -- open | click | bounce | complaint | unsubscribe | reply
    url         TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL
);
CREATE INDEX email_events_source ON email_events (source_type, source_id, kind);
CREATE INDEX email_events_message ON email_events (message_id);
CREATE INDEX email_events_contact ON email_events (contact_id, at);
