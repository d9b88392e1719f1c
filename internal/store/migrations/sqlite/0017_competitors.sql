-- Competitors grow (issue 7 §2): a battlecard (strengths, weaknesses, the
-- talk track), their products mapped to ours, and the prices we observed,
-- kept as history with the day and where we saw them. Prices are integers
-- in the currency's minor units; days are 'YYYY-MM-DD' text.

ALTER TABLE competitors ADD COLUMN strengths TEXT NOT NULL DEFAULT '';
ALTER TABLE competitors ADD COLUMN weaknesses TEXT NOT NULL DEFAULT '';
ALTER TABLE competitors ADD COLUMN talk_track TEXT NOT NULL DEFAULT '';
ALTER TABLE competitors ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;

CREATE TABLE competitor_products (
    id            INTEGER PRIMARY KEY,
    competitor_id BIGINT NOT NULL REFERENCES competitors (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    product_id    BIGINT REFERENCES products (id) ON DELETE SET NULL, -- our product it competes with
    notes         TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    UNIQUE (competitor_id, name)
);
CREATE INDEX competitor_products_product ON competitor_products (product_id);

CREATE TABLE competitor_prices (
    id                    INTEGER PRIMARY KEY,
    competitor_product_id BIGINT NOT NULL REFERENCES competitor_products (id) ON DELETE CASCADE,
    observed_on           TEXT NOT NULL,
    price                 BIGINT NOT NULL,
    currency              TEXT NOT NULL DEFAULT 'JPY',
    source_url            TEXT NOT NULL DEFAULT '',
    note                  TEXT NOT NULL DEFAULT '',
    created_by            BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at            BIGINT NOT NULL
);
CREATE INDEX competitor_prices_product ON competitor_prices (competitor_product_id, observed_on);
