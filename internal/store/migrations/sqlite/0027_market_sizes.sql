-- Market sizes (issue 9 §6): what the user says a market is worth in a
-- period, so that the marketing dashboard can show market share = our won
-- revenue ÷ the market's size. A size belongs to the whole market
-- (segment_id NULL) or to one saved segment (the won deals whose primary
-- contact is in it), for one period key: a fiscal year (2026), a fiscal
-- quarter (2026-Q1) or a month (2026-04). Amounts are minor units of the
-- workspace's base currency.
CREATE TABLE market_sizes (
    id         INTEGER PRIMARY KEY,
    segment_id BIGINT REFERENCES segments (id) ON DELETE CASCADE,
    period     TEXT NOT NULL,
    amount     BIGINT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX market_sizes_key ON market_sizes (COALESCE(segment_id, 0), period);

-- The hand-off report, the owner and marketing dashboards count the
-- visitors first seen in a period by first campaign, and how many became
-- contacts: a range scan of this index instead of every visitor.
CREATE INDEX visitors_first_seen ON visitors (first_seen, first_utm_campaign, contact_id);
