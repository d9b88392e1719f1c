-- Web tracking: sites, visitors and events (page views, custom events,
-- form submissions, and later e-mail opens and clicks). Times are Unix ms.
-- Events are append-only and keep no foreign keys to hot tables other than
-- sites, so that they could move to a column store later.

CREATE TABLE sites (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    domain      TEXT NOT NULL,               -- the organisation's own domain, lower case
    site_key    TEXT NOT NULL UNIQUE,        -- public key in the tracker snippet
    origins     TEXT NOT NULL DEFAULT '[]',  -- JSON array of allowed origins (scheme://host[:port])
    cookieless  INTEGER NOT NULL DEFAULT 0,  -- 1 = daily rotating hashed id, aggregate numbers only
    honour_gpc  INTEGER NOT NULL DEFAULT 0,  -- 1 = drop events from browsers sending GPC / DNT
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1
);

-- One row per visitor id and site: the first touch (for attribution) and
-- the contact once the visitor identified.
CREATE TABLE visitors (
    site_id            BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    visitor_id         TEXT NOT NULL,
    contact_id         BIGINT REFERENCES contacts (id) ON DELETE SET NULL,
    first_seen         BIGINT NOT NULL,
    last_seen          BIGINT NOT NULL,
    first_path         TEXT NOT NULL DEFAULT '',
    first_referrer     TEXT NOT NULL DEFAULT '',
    first_utm_source   TEXT NOT NULL DEFAULT '',
    first_utm_medium   TEXT NOT NULL DEFAULT '',
    first_utm_campaign TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (site_id, visitor_id)
);
CREATE INDEX visitors_contact ON visitors (contact_id);

CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    site_id       BIGINT,                    -- NULL for events without a site (hosted form page, API)
    visitor_id    TEXT NOT NULL DEFAULT '',
    contact_id    BIGINT,                    -- set when known or once the visitor identifies
    at            BIGINT NOT NULL,
    kind          TEXT NOT NULL,             -- pageview | event | form | identify | (later) email_open, email_click
    name          TEXT NOT NULL DEFAULT '',  -- custom event name; form key for kind form
    host          TEXT NOT NULL DEFAULT '',
    path          TEXT NOT NULL DEFAULT '',
    title         TEXT NOT NULL DEFAULT '',
    referrer      TEXT NOT NULL DEFAULT '',  -- full referrer URL
    referrer_host TEXT NOT NULL DEFAULT '',
    utm_source    TEXT NOT NULL DEFAULT '',
    utm_medium    TEXT NOT NULL DEFAULT '',
    utm_campaign  TEXT NOT NULL DEFAULT '',
    utm_term      TEXT NOT NULL DEFAULT '',
    utm_content   TEXT NOT NULL DEFAULT '',
    props         TEXT NOT NULL DEFAULT '{}' -- JSON object
);
CREATE INDEX events_site_at ON events (site_id, at);
CREATE INDEX events_visitor ON events (site_id, visitor_id, at);
CREATE INDEX events_contact ON events (contact_id, at);

-- Rollups for the awareness report, updated in the same transaction as the
-- events they count (the group-commit writer), so they are always current.
-- They are aggregates: retention deletes old events, never these. Days
-- are dates in the workspace time zone written as yyyymmdd.
CREATE TABLE track_days (
    site_id    BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    day        INTEGER NOT NULL,
    pageviews  BIGINT NOT NULL DEFAULT 0,
    events     BIGINT NOT NULL DEFAULT 0,  -- custom events
    visitors   BIGINT NOT NULL DEFAULT 0,  -- distinct visitors that day (HyperLogLog estimate)
    bots       BIGINT NOT NULL DEFAULT 0,  -- requests dropped as bots
    hll        BLOB,                       -- HyperLogLog sketch of the day's visitor ids
    PRIMARY KEY (site_id, day)
);

CREATE TABLE track_pages (
    site_id  BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    day      INTEGER NOT NULL,
    path     TEXT NOT NULL,
    views    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, day, path)
);

-- Page views that came from another host, by referrer host.
CREATE TABLE track_referrers (
    site_id  BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    day      INTEGER NOT NULL,
    host     TEXT NOT NULL,
    views    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, day, host)
);

-- Page views by UTM parameter: dim is source, medium or campaign.
CREATE TABLE track_utm (
    site_id  BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    day      INTEGER NOT NULL,
    dim      TEXT NOT NULL,
    value    TEXT NOT NULL,
    views    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, day, dim, value)
);

-- The salt of cookieless visitor hashes, one per UTC day; salts older than
-- a day are deleted, so a hash cannot be recomputed later.
CREATE TABLE track_salts (
    day   INTEGER PRIMARY KEY,
    salt  TEXT NOT NULL
);
