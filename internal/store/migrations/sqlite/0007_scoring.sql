-- Lead scoring: the rules, each contact's two scores, and the points behind
-- them (one row per rule and contact) so the contact page can say why.
-- Engagement decays at read time: a stored value v at time t is worth
-- v * 0.5^((now - t) / half-life) later. Times are Unix ms.

CREATE TABLE scoring_rules (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,              -- fit | engagement
    name       TEXT NOT NULL,
    condition  TEXT NOT NULL DEFAULT '{}', -- JSON {"field", "op", "values"}
    points     INTEGER NOT NULL,
    cap        INTEGER NOT NULL DEFAULT 0, -- most points of one rule per contact; 0 = no cap
    active     INTEGER NOT NULL DEFAULT 1,
    position   INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version    BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE contact_scores (
    contact_id    BIGINT PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    fit           INTEGER NOT NULL DEFAULT 0,
    engagement    REAL NOT NULL DEFAULT 0,    -- worth at engagement_at, before further decay
    engagement_at BIGINT NOT NULL DEFAULT 0,
    events_n      INTEGER NOT NULL DEFAULT 0, -- events read at the last scoring
    last_event_at BIGINT NOT NULL DEFAULT 0,  -- newest engagement event seen
    recycled_at   BIGINT NOT NULL DEFAULT 0,  -- when the lead was first seen recycled (0 = not recycled)
    updated_at    BIGINT NOT NULL
);
CREATE INDEX contact_scores_fit ON contact_scores (fit);

CREATE TABLE score_points (
    contact_id  BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    rule_id     BIGINT NOT NULL REFERENCES scoring_rules (id) ON DELETE CASCADE,
    value       REAL NOT NULL,              -- worth at last_at (capped, decayed)
    raw         INTEGER NOT NULL,           -- points before decay (capped)
    count       INTEGER NOT NULL,
    cap_reached INTEGER NOT NULL DEFAULT 0,
    last_at     BIGINT NOT NULL,
    PRIMARY KEY (contact_id, rule_id)
);
CREATE INDEX score_points_rule ON score_points (rule_id);
