-- Contracts (issue 6 §3): a won deal becomes a contract with a start and
-- an end (renewal) date; the after-follow playbook makes its tasks.

CREATE TABLE contracts (
    id              INTEGER PRIMARY KEY,
    deal_id         BIGINT NOT NULL UNIQUE REFERENCES deals (id) ON DELETE CASCADE, -- one contract per won deal
    company_id      BIGINT REFERENCES companies (id) ON DELETE SET NULL,
    contact_id      BIGINT REFERENCES contacts (id) ON DELETE SET NULL,
    owner_id        BIGINT REFERENCES users (id) ON DELETE SET NULL,
    amount          BIGINT NOT NULL DEFAULT 0,
    currency        TEXT NOT NULL DEFAULT 'JPY',
    start_date      TEXT NOT NULL,                -- 'YYYY-MM-DD', the won day
    end_date        TEXT NOT NULL,                -- 'YYYY-MM-DD', the renewal day
    terms           TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'active', -- active, ended, renewed
    renewal_deal_id BIGINT REFERENCES deals (id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX contracts_company ON contracts (company_id);
CREATE INDEX contracts_contact ON contracts (contact_id);
CREATE INDEX contracts_end ON contracts (status, end_date);

-- The after-follow playbook: tasks made for every new contract, due
-- days after its start (anchor 'start') or days before its end ('end').
CREATE TABLE playbook_tasks (
    id       INTEGER PRIMARY KEY,
    title_ja TEXT NOT NULL,
    title_en TEXT NOT NULL,
    anchor   TEXT NOT NULL DEFAULT 'start',
    days     INTEGER NOT NULL DEFAULT 0,
    position INTEGER NOT NULL DEFAULT 0
);
INSERT INTO playbook_tasks (title_ja, title_en, anchor, days, position) VALUES ('オンボーディング電話', 'Onboarding call', 'start', 7, 0);
INSERT INTO playbook_tasks (title_ja, title_en, anchor, days, position) VALUES ('満足度確認', 'Satisfaction check', 'start', 30, 1);
INSERT INTO playbook_tasks (title_ja, title_en, anchor, days, position) VALUES ('更新の打ち合わせ', 'Renewal talk', 'end', 60, 2);
