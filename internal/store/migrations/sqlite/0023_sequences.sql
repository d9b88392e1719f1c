-- Sequences (drip, 育成シナリオ, issue 8 §4): ordered steps each enrolled
-- contact walks through at its own pace. An e-mail step queues one outbox
-- row (email_messages, source_type 'sequence', source_id = the step id);
-- the outbox's unique key makes a step send at most once per contact.

CREATE TABLE sequences (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'draft', -- draft | active | paused | archived
    topic          TEXT NOT NULL DEFAULT '',
    from_name      TEXT NOT NULL DEFAULT '',
    as_owner       INTEGER NOT NULL DEFAULT 0,
    holdout_pct    INTEGER NOT NULL DEFAULT 0,    -- 0–50: share held out for the lift report
    exit_reply     INTEGER NOT NULL DEFAULT 1,
    exit_mql       INTEGER NOT NULL DEFAULT 1,
    exit_unsub     INTEGER NOT NULL DEFAULT 1,
    exit_deal      INTEGER NOT NULL DEFAULT 1,
    segment_id     BIGINT REFERENCES segments (id) ON DELETE SET NULL, -- enrol its contacts while active
    form_id        BIGINT REFERENCES forms (id) ON DELETE SET NULL,    -- enrol who submits it
    created_by     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    activated_at   BIGINT,
    version        BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE sequence_steps (
    id           INTEGER PRIMARY KEY,
    sequence_id  BIGINT NOT NULL REFERENCES sequences (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,                -- 1-based order
    kind         TEXT NOT NULL,                   -- email | wait | condition | task | property
    subject      TEXT NOT NULL DEFAULT '',
    html         TEXT NOT NULL DEFAULT '',
    template_id  BIGINT REFERENCES email_templates (id) ON DELETE SET NULL,
    wait_days    INTEGER NOT NULL DEFAULT 0,
    wait_hours   INTEGER NOT NULL DEFAULT 0,
    cond         TEXT NOT NULL DEFAULT '',        -- opened | clicked | visited | score | segment
    cond_value   TEXT NOT NULL DEFAULT '',
    cond_days    INTEGER NOT NULL DEFAULT 0,
    segment_id   BIGINT REFERENCES segments (id) ON DELETE SET NULL,
    then_step    INTEGER NOT NULL DEFAULT 0,      -- 0 next, -1 exit, n = step n (always later)
    else_step    INTEGER NOT NULL DEFAULT 0,
    task_title   TEXT NOT NULL DEFAULT '',
    task_days    INTEGER NOT NULL DEFAULT 0,
    prop_key     TEXT NOT NULL DEFAULT '',
    prop_value   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sequence_steps_seq ON sequence_steps (sequence_id, position);

-- One row per contact and sequence. Holdout rows get nothing and are kept
-- for the lift report. The engine claims due active rows with a lease.
CREATE TABLE sequence_enrolments (
    id            INTEGER PRIMARY KEY,
    sequence_id   BIGINT NOT NULL REFERENCES sequences (id) ON DELETE CASCADE,
    contact_id    BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    holdout       INTEGER NOT NULL DEFAULT 0,
    position      INTEGER NOT NULL DEFAULT 1,     -- the next step to run
    next_at       BIGINT NOT NULL,                -- when it is due (unix ms)
    status        TEXT NOT NULL DEFAULT 'active', -- active | completed | exited
    exit_reason   TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL DEFAULT '',       -- segment | form | manual | api
    enrolled_at   BIGINT NOT NULL,
    exited_at     BIGINT,
    claimed_by    TEXT NOT NULL DEFAULT '',
    claimed_until BIGINT NOT NULL DEFAULT 0,
    UNIQUE (sequence_id, contact_id)
);
CREATE INDEX sequence_enrolments_due ON sequence_enrolments (status, next_at);
CREATE INDEX sequence_enrolments_contact ON sequence_enrolments (contact_id);
