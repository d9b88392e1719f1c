-- Segments (issue 8 §1): named filters over contacts, evaluated when read,
-- and static lists whose members are stored. A dynamic segment's filter is
-- a crm.SegmentGroup as JSON, compiled to parameterised SQL through the
-- allow-list of fields on every read; nothing is precomputed.

CREATE TABLE segments (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL DEFAULT 'dynamic', -- dynamic | static
    definition  TEXT NOT NULL DEFAULT '{}',      -- crm.SegmentGroup JSON (static: the filter it was saved from)
    owner_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX segments_name ON segments (name);

-- The members of static lists.
CREATE TABLE segment_members (
    segment_id BIGINT NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    added_at   BIGINT NOT NULL,
    PRIMARY KEY (segment_id, contact_id)
);
CREATE INDEX segment_members_contact ON segment_members (contact_id);

-- "Visited a page (prefix) in the last N days" (store/segments.go) reads
-- the page views of identified visitors by path: without this index both
-- databases scan every identified event (row E3). Partial: anonymous
-- views and custom events are left out, which keeps it small.
CREATE INDEX events_contact_path ON events (path, at, contact_id) WHERE contact_id IS NOT NULL AND kind = 'pageview';
