-- Lead-capture forms: the form definitions, what was submitted, daily
-- view and spam counts, and double opt-in tokens. Times are Unix ms.

CREATE TABLE forms (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    form_key      TEXT NOT NULL UNIQUE,       -- public, unguessable (in /f/{key} and the snippets)
    title_ja      TEXT NOT NULL DEFAULT '',
    title_en      TEXT NOT NULL DEFAULT '',
    fields        TEXT NOT NULL DEFAULT '[]', -- JSON list of crm.FormField, in display order
    thanks_ja     TEXT NOT NULL DEFAULT '',
    thanks_en     TEXT NOT NULL DEFAULT '',
    redirect_url  TEXT NOT NULL DEFAULT '',   -- after submitting; an allowed domain only
    notify_users  TEXT NOT NULL DEFAULT '[]', -- JSON list of user ids
    notify_emails TEXT NOT NULL DEFAULT '[]', -- JSON list of addresses
    double_optin  INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1
);

-- One row per accepted submission. Spam is never stored, only counted.
CREATE TABLE form_submissions (
    id                 INTEGER PRIMARY KEY,
    form_id            BIGINT NOT NULL REFERENCES forms (id) ON DELETE CASCADE,
    contact_id         BIGINT REFERENCES contacts (id) ON DELETE CASCADE,
    at                 BIGINT NOT NULL,
    new_contact        INTEGER NOT NULL DEFAULT 0,  -- 1 = the submission created the contact
    vals               TEXT NOT NULL DEFAULT '{}',  -- the values as submitted, by field key
    page_url           TEXT NOT NULL DEFAULT '',
    referrer           TEXT NOT NULL DEFAULT '',
    utm_source         TEXT NOT NULL DEFAULT '',
    utm_medium         TEXT NOT NULL DEFAULT '',
    utm_campaign       TEXT NOT NULL DEFAULT '',
    utm_term           TEXT NOT NULL DEFAULT '',
    utm_content        TEXT NOT NULL DEFAULT '',
    first_referrer     TEXT NOT NULL DEFAULT '',    -- first touch: the visitor's first visit, or this submission
    first_utm_source   TEXT NOT NULL DEFAULT '',
    first_utm_medium   TEXT NOT NULL DEFAULT '',
    first_utm_campaign TEXT NOT NULL DEFAULT '',
    site_id            BIGINT,
    visitor_id         TEXT NOT NULL DEFAULT '',
    ip                 TEXT NOT NULL DEFAULT '',
    user_agent         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX form_submissions_form ON form_submissions (form_id, at);
CREATE INDEX form_submissions_contact ON form_submissions (contact_id, at);

-- Views and refused (spam) posts per form and day (day = Unix ms of the
-- day's start in the workspace time zone).
CREATE TABLE form_stats (
    form_id BIGINT NOT NULL REFERENCES forms (id) ON DELETE CASCADE,
    day     BIGINT NOT NULL,
    views   BIGINT NOT NULL DEFAULT 0,
    spam    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (form_id, day)
);

-- Double opt-in: the token (hashed) sent by mail; confirming grants consent.
CREATE TABLE form_optins (
    token_hash   TEXT PRIMARY KEY,
    contact_id   BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    form_id      BIGINT REFERENCES forms (id) ON DELETE SET NULL,
    wording      TEXT NOT NULL DEFAULT '',
    page_url     TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    confirmed_at BIGINT
);
CREATE INDEX form_optins_contact ON form_optins (contact_id);
