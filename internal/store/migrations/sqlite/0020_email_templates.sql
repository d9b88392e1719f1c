-- E-mail templates (issue 8 §2): the messages broadcasts and sequences
-- send. A template is either a list of blocks (crm.EmailBlock as JSON,
-- rendered to e-mail-safe HTML when sent) or HTML source written by hand.
-- Subject, preheader, blocks and source may use merge fields
-- ({{family_name}}), checked against crm.MergeFields when saved.

CREATE TABLE email_templates (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    locale      TEXT NOT NULL DEFAULT 'ja',     -- ja | en
    subject     TEXT NOT NULL DEFAULT '',
    preheader   TEXT NOT NULL DEFAULT '',
    editor      TEXT NOT NULL DEFAULT 'blocks', -- blocks | html
    blocks      TEXT NOT NULL DEFAULT '[]',     -- crm.EmailBlock list as JSON (editor = blocks)
    html        TEXT NOT NULL DEFAULT '',       -- the source (editor = html)
    created_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX email_templates_name ON email_templates (name);

-- The user's e-mail signature, reached by {{owner_signature}} in mail sent
-- on behalf of a contact's owner. Plain text; line breaks are kept.
ALTER TABLE users ADD COLUMN signature TEXT NOT NULL DEFAULT '';
