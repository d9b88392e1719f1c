-- E-mail marketing (issue 8 §6, §7): what the recipient side keeps besides
-- email_events (0019): the topics of the preference centre and each
-- contact's opt-outs. Unsubscribing from everything is the consent ledger's
-- business (withdrawn) plus the suppression list, not a row here.

CREATE TABLE email_topics (
    id             INTEGER PRIMARY KEY,
    key            TEXT NOT NULL UNIQUE,         -- snake_case, what a broadcast names
    name_ja        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    description_ja TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    position       INTEGER NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL
);

-- A contact who opted out of a topic (no row = subscribed).
CREATE TABLE email_topic_optouts (
    contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    topic_id   BIGINT NOT NULL REFERENCES email_topics (id) ON DELETE CASCADE,
    at         BIGINT NOT NULL,
    PRIMARY KEY (contact_id, topic_id)
);
CREATE INDEX email_topic_optouts_topic ON email_topic_optouts (topic_id);

-- Reports and the "opened or clicked in the last N days" segment field read
-- events by kind and time.
CREATE INDEX email_events_kind_at ON email_events (kind, at);
-- Replies are matched by the Message-ID header of what we sent.
CREATE INDEX email_messages_message_id ON email_messages (message_id);
