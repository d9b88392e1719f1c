-- The marketing → sales hand-off: assignment rules and their round-robin
-- cursors, one row per MQL hand-off (owner, SLA clock, accept / reject),
-- and the in-app notifications. Times are Unix ms.

-- Ordered assignment rules. kind: round_robin (team_id), territory
-- (prefectures / countries → user_id or team_id's round-robin),
-- company_owner, person (user_id).
CREATE TABLE assignment_rules (
    id          INTEGER PRIMARY KEY,
    position    INTEGER NOT NULL DEFAULT 0,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    prefectures TEXT NOT NULL DEFAULT '[]', -- JSON array (territory)
    countries   TEXT NOT NULL DEFAULT '[]', -- JSON array of ISO codes or names (territory)
    sources     TEXT NOT NULL DEFAULT '[]', -- JSON array: only leads from these sources (empty = all)
    user_id     BIGINT REFERENCES users (id) ON DELETE CASCADE,
    team_id     BIGINT REFERENCES teams (id) ON DELETE CASCADE,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1
);

-- Round-robin position per team (team_id 0 = every sales-capable user),
-- shared by all processes: the UPDATE … RETURNING locks the row.
CREATE TABLE assignment_cursors (
    team_id      BIGINT PRIMARY KEY,
    last_user_id BIGINT NOT NULL DEFAULT 0,
    turns        BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE handoffs (
    id             INTEGER PRIMARY KEY,
    contact_id     BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    owner_id       BIGINT REFERENCES users (id) ON DELETE SET NULL,
    team_id        BIGINT REFERENCES teams (id) ON DELETE SET NULL,
    rule_id        BIGINT,
    assigned_why   TEXT NOT NULL DEFAULT '',  -- rule kind or fallback that chose the owner
    mql_reason     TEXT NOT NULL DEFAULT '',
    mql_at         BIGINT NOT NULL,
    due_at         BIGINT NOT NULL,           -- first-touch SLA on the business calendar
    status         TEXT NOT NULL DEFAULT 'new', -- new | accepted | rejected
    accepted_at    BIGINT,
    rejected_at    BIGINT,
    reason_code    TEXT NOT NULL DEFAULT '',  -- not_a_fit, no_budget, bad_timing, duplicate, spam, other
    reason_note    TEXT NOT NULL DEFAULT '',
    outcome        TEXT NOT NULL DEFAULT '',  -- recycled | disqualified (rejected only)
    recycled_at    BIGINT,
    first_touch_at BIGINT,
    escalated_at   BIGINT,
    escalated_to   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    decided_by     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    deal_id        BIGINT,
    source         TEXT NOT NULL DEFAULT '',  -- the contact's original source at MQL time
    source_group   TEXT NOT NULL DEFAULT '',  -- marketing | outbound
    campaign       TEXT NOT NULL DEFAULT ''   -- first-touch UTM campaign, when known
);
CREATE INDEX handoffs_contact ON handoffs (contact_id, mql_at);
CREATE INDEX handoffs_owner ON handoffs (owner_id, status, due_at);
CREATE INDEX handoffs_status_due ON handoffs (status, due_at);
CREATE INDEX handoffs_mql_at ON handoffs (mql_at);

-- In-app notifications (the bell). text is a rendering in the recipient's
-- language at the time; kind and data let the UI render it again.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    text       TEXT NOT NULL DEFAULT '',
    data       TEXT NOT NULL DEFAULT '{}',
    link       TEXT NOT NULL DEFAULT '',
    contact_id BIGINT REFERENCES contacts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    read_at    BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, read_at, id);
CREATE INDEX notifications_contact ON notifications (contact_id);
