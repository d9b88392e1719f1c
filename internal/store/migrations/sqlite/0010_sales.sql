-- Sales: pipelines with their stages, deals, the people on a deal, stage
-- history and named competitors. Amounts are integers in the currency's
-- minor units (yen for JPY); dates without a time (expected close, next
-- step) are 'YYYY-MM-DD' text, which sorts and compares as dates.

CREATE TABLE pipelines (
    id         INTEGER PRIMARY KEY,
    name_ja    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0,
    is_default INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version    BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE pipeline_stages (
    id              INTEGER PRIMARY KEY,
    pipeline_id     BIGINT NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    name_ja         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    kind            TEXT NOT NULL DEFAULT 'open', -- open, won or lost
    probability     INTEGER NOT NULL DEFAULT 0,   -- win probability in percent
    position        INTEGER NOT NULL DEFAULT 0,
    required_fields TEXT NOT NULL DEFAULT '',     -- comma-separated deal fields needed before entering
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX pipeline_stages_pipeline ON pipeline_stages (pipeline_id, position);

CREATE TABLE competitors (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    website    TEXT NOT NULL DEFAULT '',
    notes      TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE deals (
    id                 INTEGER PRIMARY KEY,
    name               TEXT NOT NULL,
    pipeline_id        BIGINT NOT NULL REFERENCES pipelines (id),
    stage_id           BIGINT NOT NULL REFERENCES pipeline_stages (id),
    amount             BIGINT NOT NULL DEFAULT 0,
    currency           TEXT NOT NULL DEFAULT 'JPY',
    close_date         TEXT NOT NULL DEFAULT '',
    owner_id           BIGINT REFERENCES users (id) ON DELETE SET NULL,
    team_id            BIGINT REFERENCES teams (id) ON DELETE SET NULL,
    company_id         BIGINT REFERENCES companies (id) ON DELETE SET NULL,
    contact_id         BIGINT REFERENCES contacts (id) ON DELETE SET NULL, -- primary contact: the lead it came from
    source             TEXT NOT NULL DEFAULT 'manual',
    source_group       TEXT NOT NULL DEFAULT 'outbound',
    next_step          TEXT NOT NULL DEFAULT '',
    next_step_date     TEXT NOT NULL DEFAULT '',
    bant_budget        TEXT NOT NULL DEFAULT '',
    bant_authority     TEXT NOT NULL DEFAULT '',
    bant_need          TEXT NOT NULL DEFAULT '',
    bant_timeline      TEXT NOT NULL DEFAULT '',
    notes              TEXT NOT NULL DEFAULT '',
    lost_reason        TEXT NOT NULL DEFAULT '',
    lost_to_id         BIGINT REFERENCES competitors (id) ON DELETE SET NULL,
    won_at             BIGINT,
    closed_at          BIGINT,
    stage_entered_at   BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    version            BIGINT NOT NULL DEFAULT 1
);
-- The board: one pipeline, its stages, optionally one owner and a close month.
CREATE INDEX deals_board ON deals (pipeline_id, stage_id, close_date, id);
CREATE INDEX deals_owner_board ON deals (owner_id, pipeline_id, close_date, id);
CREATE INDEX deals_company ON deals (company_id);
CREATE INDEX deals_contact ON deals (contact_id);
CREATE INDEX deals_closed ON deals (closed_at);

CREATE TABLE deal_contacts (
    deal_id    BIGINT NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    role       TEXT NOT NULL DEFAULT 'user', -- decision_maker, influencer, user
    PRIMARY KEY (deal_id, contact_id)
);
CREATE INDEX deal_contacts_contact ON deal_contacts (contact_id);

CREATE TABLE deal_competitors (
    deal_id       BIGINT NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    competitor_id BIGINT NOT NULL REFERENCES competitors (id) ON DELETE CASCADE,
    PRIMARY KEY (deal_id, competitor_id)
);
CREATE INDEX deal_competitors_competitor ON deal_competitors (competitor_id);

-- One row per stage a deal entered; time in a stage is the next row's at
-- minus this one's (or now for the current stage).
CREATE TABLE deal_stage_history (
    id            INTEGER PRIMARY KEY,
    deal_id       BIGINT NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    from_stage_id BIGINT REFERENCES pipeline_stages (id) ON DELETE SET NULL,
    stage_id      BIGINT NOT NULL REFERENCES pipeline_stages (id),
    at            BIGINT NOT NULL,
    actor_id      BIGINT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX deal_stage_history_deal ON deal_stage_history (deal_id, at);

-- The default pipeline, in both languages.
INSERT INTO pipelines (name_ja, name_en, position, is_default, created_at, updated_at)
VALUES ('新規案件', 'New business', 0, 1, 0, 0);
INSERT INTO pipeline_stages (pipeline_id, name_ja, name_en, kind, probability, position, required_fields)
SELECT id, 'アプローチ', 'Approach', 'open', 10, 0, '' FROM pipelines WHERE is_default = 1;
INSERT INTO pipeline_stages (pipeline_id, name_ja, name_en, kind, probability, position, required_fields)
SELECT id, 'ヒアリング', 'Discovery', 'open', 20, 1, '' FROM pipelines WHERE is_default = 1;
INSERT INTO pipeline_stages (pipeline_id, name_ja, name_en, kind, probability, position, required_fields)
SELECT id, '提案', 'Proposal', 'open', 40, 2, 'bant_budget,bant_need' FROM pipelines WHERE is_default = 1;
INSERT INTO pipeline_stages (pipeline_id, name_ja, name_en, kind, probability, position, required_fields)
SELECT id, '交渉', 'Negotiation', 'open', 60, 3, 'amount,close_date' FROM pipelines WHERE is_default = 1;
INSERT INTO pipeline_stages (pipeline_id, name_ja, name_en, kind, probability, position, required_fields)
SELECT id, '受注', 'Won', 'won', 100, 4, 'amount' FROM pipelines WHERE is_default = 1;
INSERT INTO pipeline_stages (pipeline_id, name_ja, name_en, kind, probability, position, required_fields)
SELECT id, '失注', 'Lost', 'lost', 0, 5, '' FROM pipelines WHERE is_default = 1;
