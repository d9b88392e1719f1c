-- People and companies: contacts, companies, tags, custom properties,
-- the timeline, consent history, suppression list, imports, saved views.

CREATE TABLE companies (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,            -- crm.CompanyKey: legal form stripped, NFKC, lower case
    legal_form  TEXT NOT NULL DEFAULT '',
    reading     TEXT NOT NULL DEFAULT '', -- katakana (crm.NormalizeReading)
    domain      TEXT NOT NULL DEFAULT '',
    industry    TEXT NOT NULL DEFAULT '',
    employees   INTEGER,
    postal_code TEXT NOT NULL DEFAULT '',
    prefecture  TEXT NOT NULL DEFAULT '',
    city        TEXT NOT NULL DEFAULT '',
    street      TEXT NOT NULL DEFAULT '',
    country     TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    owner_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    team_id     BIGINT REFERENCES teams (id) ON DELETE SET NULL,
    props       TEXT NOT NULL DEFAULT '{}', -- custom properties, JSON object by key
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX companies_name_key ON companies (name_key);
CREATE INDEX companies_reading ON companies (reading);
CREATE INDEX companies_domain ON companies (domain);

CREATE TABLE contacts (
    id              INTEGER PRIMARY KEY,
    email           TEXT UNIQUE,              -- normalised (crm.NormalizeEmail); NULL when unknown
    family_name     TEXT NOT NULL DEFAULT '',
    given_name      TEXT NOT NULL DEFAULT '',
    family_reading  TEXT NOT NULL DEFAULT '',
    given_reading   TEXT NOT NULL DEFAULT '',
    reading_key     TEXT NOT NULL DEFAULT '', -- family + given reading, katakana: 五十音 sort and prefix search
    name_key        TEXT NOT NULL DEFAULT '', -- lower-case family + given name, for prefix search
    honorific       TEXT NOT NULL DEFAULT '様',
    phone           TEXT NOT NULL DEFAULT '',
    phone_key       TEXT NOT NULL DEFAULT '', -- digits only, for duplicate detection
    job_title       TEXT NOT NULL DEFAULT '',
    department      TEXT NOT NULL DEFAULT '',
    company_id      BIGINT REFERENCES companies (id) ON DELETE SET NULL,
    owner_id        BIGINT REFERENCES users (id) ON DELETE SET NULL,
    team_id         BIGINT REFERENCES teams (id) ON DELETE SET NULL,
    lifecycle_stage TEXT NOT NULL DEFAULT 'lead',
    lead_status     TEXT NOT NULL DEFAULT '',
    original_source TEXT NOT NULL DEFAULT 'manual',
    source_detail   TEXT NOT NULL DEFAULT '',
    consent         TEXT NOT NULL DEFAULT 'unknown',
    props           TEXT NOT NULL DEFAULT '{}',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX contacts_reading_key ON contacts (reading_key);
CREATE INDEX contacts_name_key ON contacts (name_key);
CREATE INDEX contacts_phone_key ON contacts (phone_key);
CREATE INDEX contacts_company ON contacts (company_id);
CREATE INDEX contacts_created ON contacts (created_at, id);
CREATE INDEX contacts_owner_stage ON contacts (owner_id, lifecycle_stage, created_at, id);
CREATE INDEX contacts_stage ON contacts (lifecycle_stage, created_at, id);

CREATE TABLE tags (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE contact_tags (
    tag_id     BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    PRIMARY KEY (tag_id, contact_id)
);
CREATE INDEX contact_tags_contact ON contact_tags (contact_id);

-- Custom property definitions; values live in the records' props column.
CREATE TABLE properties (
    id         INTEGER PRIMARY KEY,
    object     TEXT NOT NULL,             -- contact or company
    key        TEXT NOT NULL,             -- snake_case, used in props, filters, CSV and the API
    label_ja   TEXT NOT NULL,
    label_en   TEXT NOT NULL,
    type       TEXT NOT NULL,             -- text, number, date, choice, multi_choice, bool, url
    options    TEXT NOT NULL DEFAULT '[]', -- JSON list of choices
    position   INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    version    BIGINT NOT NULL DEFAULT 1,
    UNIQUE (object, key)
);

-- Everything that happened to a contact or a company. Later features add
-- kinds (visit, form, deal, quote, email) without reshaping the table:
-- kind names the event, data holds its details as JSON, and ref_type/ref_id
-- point at the record behind it.
CREATE TABLE timeline (
    id         INTEGER PRIMARY KEY,
    at         BIGINT NOT NULL,
    contact_id BIGINT REFERENCES contacts (id) ON DELETE CASCADE,
    company_id BIGINT REFERENCES companies (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    actor_id   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    data       TEXT NOT NULL DEFAULT '{}',
    ref_type   TEXT NOT NULL DEFAULT '',
    ref_id     BIGINT
);
CREATE INDEX timeline_contact ON timeline (contact_id, at);
CREATE INDEX timeline_company ON timeline (company_id, at);

-- The consent ledger: what was agreed to, when, where and how.
CREATE TABLE consent_events (
    id         INTEGER PRIMARY KEY,
    contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    at         BIGINT NOT NULL,
    status     TEXT NOT NULL,
    source     TEXT NOT NULL DEFAULT '',  -- form, import, api, manual, unsubscribe, …
    wording    TEXT NOT NULL DEFAULT '',  -- the exact text the person agreed to
    page_url   TEXT NOT NULL DEFAULT '',
    ip         TEXT NOT NULL DEFAULT '',
    actor_id   BIGINT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX consent_events_contact ON consent_events (contact_id, at);

-- Erased or unsubscribed people: only a hash of the e-mail is kept, so they
-- are neither re-imported nor mailed.
CREATE TABLE suppressions (
    email_hash TEXT PRIMARY KEY,
    reason     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- CSV imports; the file itself is kept in the database so that any process
-- can run the job (DESIGN.md §10).
CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    object      TEXT NOT NULL,
    filename    TEXT NOT NULL,
    encoding    TEXT NOT NULL,
    mapping     TEXT NOT NULL DEFAULT '{}',
    options     TEXT NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL,
    total_rows  INTEGER NOT NULL DEFAULT 0,
    done_rows   INTEGER NOT NULL DEFAULT 0,
    created_n   INTEGER NOT NULL DEFAULT 0,
    updated_n   INTEGER NOT NULL DEFAULT 0,
    error_n     INTEGER NOT NULL DEFAULT 0,
    job_id      BIGINT,
    user_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    file        BLOB NOT NULL,
    created_at  BIGINT NOT NULL,
    finished_at BIGINT
);

CREATE TABLE import_errors (
    import_id BIGINT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    row_num   INTEGER NOT NULL,
    col       TEXT NOT NULL DEFAULT '',
    reason    TEXT NOT NULL,
    PRIMARY KEY (import_id, row_num, col)
);

CREATE TABLE saved_views (
    id         INTEGER PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    object     TEXT NOT NULL,
    name       TEXT NOT NULL,
    query      TEXT NOT NULL,             -- the list's query string (filters, sort)
    shared     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
CREATE INDEX saved_views_user ON saved_views (user_id, object);
