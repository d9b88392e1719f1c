-- The product catalogue: products and services with their list price, cost
-- and tax category, and price books (partner, campaign, ... prices with
-- validity dates). Prices are integers in the currency's minor units (yen
-- for JPY), like deal amounts. Dates are 'YYYY-MM-DD' text.

CREATE TABLE products (
    id           INTEGER PRIMARY KEY,
    sku          TEXT NOT NULL UNIQUE,
    name_ja      TEXT NOT NULL DEFAULT '',
    name_en      TEXT NOT NULL DEFAULT '',
    unit         TEXT NOT NULL DEFAULT '',         -- 式, 個, month, seat, ...
    list_price   BIGINT NOT NULL DEFAULT 0,        -- tax-exclusive, minor units
    cost         BIGINT NOT NULL DEFAULT 0,
    currency     TEXT NOT NULL DEFAULT 'JPY',
    tax_category TEXT NOT NULL DEFAULT 'standard', -- standard (10%), reduced (8%), exempt
    active       INTEGER NOT NULL DEFAULT 1,
    description  TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE price_books (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL DEFAULT 'list',       -- list, partner, campaign
    valid_from TEXT NOT NULL DEFAULT '',           -- empty: no start
    valid_to   TEXT NOT NULL DEFAULT '',           -- empty: no end
    active     INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE price_book_entries (
    price_book_id BIGINT NOT NULL REFERENCES price_books (id) ON DELETE CASCADE,
    product_id    BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    price         BIGINT NOT NULL,
    PRIMARY KEY (price_book_id, product_id)
);
CREATE INDEX price_book_entries_product ON price_book_entries (product_id);
