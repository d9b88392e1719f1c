-- Campaigns (広告宣伝, ブランディング), their assets, event attendees, costs
-- and the UTM links built for them (issue 9 §3, §4).
--
-- A campaign's tag is the utm_campaign value its links carry; tracked visits
-- (events, visitors) and form submissions are matched to it by that value.
-- Touches for attribution are read from the tables where they happen
-- (events, form_submissions, email_events, campaign_attendees, activities),
-- not copied into a table of their own: see docs/campaigns.md.

CREATE TABLE campaigns (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,                  -- email, web, event, social, content, other
    status       TEXT NOT NULL DEFAULT 'planned', -- planned, active, finished, cancelled
    starts_on    TEXT NOT NULL DEFAULT '',       -- YYYY-MM-DD or ''
    ends_on      TEXT NOT NULL DEFAULT '',
    budget       BIGINT NOT NULL DEFAULT 0,      -- minor units of the base currency
    goal         TEXT NOT NULL DEFAULT '',
    goal_leads   INTEGER NOT NULL DEFAULT 0,
    owner_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    utm_campaign TEXT NOT NULL UNIQUE,           -- the tag: a lower-case slug
    created_by   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1
);

-- The forms, broadcasts (and later sequences) a campaign groups: generic
-- links by type and id, so a new kind of asset needs no new table.
CREATE TABLE campaign_assets (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    asset_type  TEXT NOT NULL,                   -- form, broadcast, sequence
    asset_id    BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, asset_type, asset_id)
);
CREATE INDEX campaign_assets_asset ON campaign_assets (asset_type, asset_id);

-- People who attended a campaign's event (a trade show's visitors).
CREATE TABLE campaign_attendees (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    contact_id  BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    attended_at BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, contact_id)
);
CREATE INDEX campaign_attendees_contact ON campaign_attendees (contact_id, attended_at);

-- Actual costs: ad bills entered by hand, booths, print runs.
CREATE TABLE campaign_costs (
    id          INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    spent_on    TEXT NOT NULL,                   -- YYYY-MM-DD
    amount      BIGINT NOT NULL,                 -- minor units of the base currency
    channel     TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    created_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX campaign_costs_campaign ON campaign_costs (campaign_id, spent_on);

-- Links made with the UTM link builder (campaign_id NULL: built without one).
CREATE TABLE campaign_links (
    id           INTEGER PRIMARY KEY,
    campaign_id  BIGINT REFERENCES campaigns (id) ON DELETE CASCADE,
    url          TEXT NOT NULL,
    landing      TEXT NOT NULL,
    utm_source   TEXT NOT NULL DEFAULT '',
    utm_medium   TEXT NOT NULL DEFAULT '',
    utm_campaign TEXT NOT NULL DEFAULT '',
    utm_term     TEXT NOT NULL DEFAULT '',
    utm_content  TEXT NOT NULL DEFAULT '',
    created_by   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX campaign_links_campaign ON campaign_links (campaign_id, id);

-- A campaign's leads are found by its tag.
CREATE INDEX visitors_first_campaign ON visitors (first_utm_campaign);
CREATE INDEX form_submissions_campaign ON form_submissions (utm_campaign);
CREATE INDEX form_submissions_first_campaign ON form_submissions (first_utm_campaign);
