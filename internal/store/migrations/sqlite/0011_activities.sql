-- Activities and tasks (issue 6 §2). An activity is a call, visit,
-- meeting, e-mail or note, on the marketing or the sales side, linked to a
-- contact, a company and/or a deal. A task has a due time, an owner, an
-- optional reminder and one linked record. Times are Unix ms.

CREATE TABLE activities (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,                -- call, visit, meeting, email, note
    side       TEXT NOT NULL,                -- marketing | sales
    subject    TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL DEFAULT '',
    location   TEXT NOT NULL DEFAULT '',
    outcome    TEXT NOT NULL DEFAULT '',     -- calls: connected, no_answer, voicemail
    starts_at  BIGINT NOT NULL,
    ends_at    BIGINT,                       -- meetings and visits
    contact_id BIGINT REFERENCES contacts (id) ON DELETE CASCADE,
    company_id BIGINT REFERENCES companies (id) ON DELETE SET NULL,
    deal_id    BIGINT REFERENCES deals (id) ON DELETE CASCADE,
    owner_id   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    email_to   TEXT NOT NULL DEFAULT '',     -- 1:1 e-mails: the recipient
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version    BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX activities_contact ON activities (contact_id, starts_at);
CREATE INDEX activities_company ON activities (company_id, starts_at);
CREATE INDEX activities_deal ON activities (deal_id, starts_at);
CREATE INDEX activities_owner ON activities (owner_id, starts_at);

CREATE TABLE tasks (
    id             INTEGER PRIMARY KEY,
    title          TEXT NOT NULL,
    notes          TEXT NOT NULL DEFAULT '',
    due_at         BIGINT NOT NULL,
    owner_id       BIGINT REFERENCES users (id) ON DELETE SET NULL,
    priority       TEXT NOT NULL DEFAULT 'normal', -- low, normal, high
    remind_minutes INTEGER,                        -- minutes before due_at; NULL = no reminder
    remind_at      BIGINT,
    reminded_at    BIGINT,
    contact_id     BIGINT REFERENCES contacts (id) ON DELETE CASCADE,
    company_id     BIGINT REFERENCES companies (id) ON DELETE CASCADE,
    deal_id        BIGINT REFERENCES deals (id) ON DELETE CASCADE,
    done_at        BIGINT,
    created_by     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX tasks_owner ON tasks (owner_id, done_at, due_at);
CREATE INDEX tasks_remind ON tasks (remind_at);
CREATE INDEX tasks_contact ON tasks (contact_id);
CREATE INDEX tasks_company ON tasks (company_id);
CREATE INDEX tasks_deal ON tasks (deal_id);
