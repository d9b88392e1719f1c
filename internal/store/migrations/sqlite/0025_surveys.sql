-- Surveys (アンケート, 市場調査): definitions and responses. Times are Unix ms.

CREATE TABLE surveys (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    survey_key   TEXT NOT NULL UNIQUE,          -- public, unguessable (in /s/{key})
    title_ja     TEXT NOT NULL DEFAULT '',
    title_en     TEXT NOT NULL DEFAULT '',
    intro_ja     TEXT NOT NULL DEFAULT '',
    intro_en     TEXT NOT NULL DEFAULT '',
    thanks_ja    TEXT NOT NULL DEFAULT '',
    thanks_en    TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'draft', -- draft, open, closed
    trigger_kind TEXT NOT NULL DEFAULT '',      -- '', contract (after-follow NPS), deal_closed (win / loss)
    trigger_days INTEGER NOT NULL DEFAULT 0,
    questions    TEXT NOT NULL DEFAULT '[]',    -- JSON list of crm.SurveyQuestion, in order
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1
);

-- One row per response; a response tied to a contact is replaced by the
-- contact's next one (one per contact and survey).
CREATE TABLE survey_responses (
    id          INTEGER PRIMARY KEY,
    survey_id   BIGINT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    contact_id  BIGINT REFERENCES contacts (id) ON DELETE CASCADE,
    deal_id     BIGINT REFERENCES deals (id) ON DELETE SET NULL,
    contract_id BIGINT REFERENCES contracts (id) ON DELETE SET NULL,
    at          BIGINT NOT NULL,                -- first answered
    updated_at  BIGINT NOT NULL,
    answers     TEXT NOT NULL DEFAULT '{}',     -- JSON crm.SurveyAnswers
    nps         INTEGER,                        -- the first NPS question's answer, for segments and trends
    search_text TEXT NOT NULL DEFAULT '',       -- free-text answers, NFKC-folded and lower-cased, for search
    lang        TEXT NOT NULL DEFAULT '',
    ip          TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX survey_responses_contact ON survey_responses (survey_id, contact_id);
CREATE INDEX survey_responses_survey ON survey_responses (survey_id, at);
CREATE INDEX survey_responses_by_contact ON survey_responses (contact_id, at);

-- Personal links sent automatically (after-follow, win / loss), so a
-- contract or a deal gets its survey once.
CREATE TABLE survey_invites (
    id          INTEGER PRIMARY KEY,
    survey_id   BIGINT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    contact_id  BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    ref_type    TEXT NOT NULL,                  -- contract, deal
    ref_id      BIGINT NOT NULL,
    due_at      BIGINT NOT NULL,
    task_id     BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX survey_invites_ref ON survey_invites (survey_id, ref_type, ref_id);
