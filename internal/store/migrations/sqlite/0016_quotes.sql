-- Quotes (見積書, issue 7 §3): a deal's quotes with their lines, revisions,
-- the discount guardrail's approvals log, and gap-free document numbers.
-- Amounts are integers in the currency's minor units; quantities have two
-- decimals (150 = 1.5); percentages are hundredths of a percent (1250 =
-- 12.5%). Dates are 'YYYY-MM-DD' text; times are Unix milliseconds.

CREATE TABLE quotes (
    id                INTEGER PRIMARY KEY,
    deal_id           BIGINT NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    number            TEXT NOT NULL,                    -- Q-2026-0001, shared by its revisions
    revision          INTEGER NOT NULL DEFAULT 1,
    status            TEXT NOT NULL DEFAULT 'draft',    -- draft, pending_approval, approved, sent, accepted, rejected, expired
    language          TEXT NOT NULL DEFAULT 'ja',       -- of the document
    currency          TEXT NOT NULL DEFAULT 'JPY',
    tax_mode          TEXT NOT NULL DEFAULT 'exclusive',
    rounding          TEXT NOT NULL DEFAULT 'floor',
    issue_date        TEXT NOT NULL,
    valid_until       TEXT NOT NULL DEFAULT '',
    delivery          TEXT NOT NULL DEFAULT '',
    payment_terms     TEXT NOT NULL DEFAULT '',
    subject           TEXT NOT NULL DEFAULT '',
    recipient_company TEXT NOT NULL DEFAULT '',
    recipient_person  TEXT NOT NULL DEFAULT '',
    notes             TEXT NOT NULL DEFAULT '',
    discount_percent  INTEGER NOT NULL DEFAULT 0,       -- 1: discount_value is a percentage
    discount_value    BIGINT NOT NULL DEFAULT 0,
    list_total        BIGINT NOT NULL DEFAULT 0,        -- cached: lines at list price
    subtotal          BIGINT NOT NULL DEFAULT 0,        -- cached: line nets
    discount_total    BIGINT NOT NULL DEFAULT 0,        -- cached: the quote-level discount
    tax_total         BIGINT NOT NULL DEFAULT 0,
    total             BIGINT NOT NULL DEFAULT 0,        -- what the customer pays
    discount_bp       BIGINT NOT NULL DEFAULT 0,        -- offered below list, for the guardrail
    owner_id          BIGINT REFERENCES users (id) ON DELETE SET NULL,
    approved_by       BIGINT REFERENCES users (id) ON DELETE SET NULL,
    share_token_hash  TEXT UNIQUE,                      -- SHA-256 of the share link's token
    share_expires_at  BIGINT NOT NULL DEFAULT 0,        -- 0: no expiry
    sent_at           BIGINT NOT NULL DEFAULT 0,
    answered_at       BIGINT NOT NULL DEFAULT 0,        -- accepted or rejected
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    version           BIGINT NOT NULL DEFAULT 1,
    UNIQUE (number, revision)
);
CREATE INDEX quotes_deal ON quotes (deal_id);
CREATE INDEX quotes_status ON quotes (status, sent_at);

CREATE TABLE quote_lines (
    id             INTEGER PRIMARY KEY,
    quote_id       BIGINT NOT NULL REFERENCES quotes (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    product_id     BIGINT REFERENCES products (id) ON DELETE SET NULL,
    name           TEXT NOT NULL,
    unit           TEXT NOT NULL DEFAULT '',
    quantity       BIGINT NOT NULL,                     -- hundredths
    unit_price     BIGINT NOT NULL,
    list_price     BIGINT NOT NULL DEFAULT 0,           -- the catalogue's price at the time
    discount_percent INTEGER NOT NULL DEFAULT 0,
    discount_value BIGINT NOT NULL DEFAULT 0,
    tax_category   TEXT NOT NULL DEFAULT 'standard',
    amount         BIGINT NOT NULL DEFAULT 0            -- cached: the line's net
);
CREATE INDEX quote_lines_quote ON quote_lines (quote_id, position);
CREATE INDEX quote_lines_product ON quote_lines (product_id);

-- The guardrail's log: requested, approved, rejected.
CREATE TABLE quote_approvals (
    id          INTEGER PRIMARY KEY,
    quote_id    BIGINT NOT NULL REFERENCES quotes (id) ON DELETE CASCADE,
    action      TEXT NOT NULL,
    user_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    discount_bp BIGINT NOT NULL DEFAULT 0,
    limit_bp    BIGINT NOT NULL DEFAULT 0,
    note        TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL
);
CREATE INDEX quote_approvals_quote ON quote_approvals (quote_id, id);

-- Gap-free document numbers: the last number used per kind (Q, INV) and
-- year, raised in the transaction that uses it.
CREATE TABLE document_numbers (
    kind TEXT NOT NULL,
    year INTEGER NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (kind, year)
);

-- Invoices (請求書, issue 7 §4): an accepted quote becomes its invoice with
-- its own number (INV-YYYY-NNNN, from document_numbers), due date and bank
-- details; lines and totals are the accepted quote's, which no longer changes.
CREATE TABLE invoices (
    id           INTEGER PRIMARY KEY,
    quote_id     BIGINT NOT NULL UNIQUE REFERENCES quotes (id) ON DELETE CASCADE,
    number       TEXT NOT NULL UNIQUE,
    issue_date   TEXT NOT NULL,
    due_date     TEXT NOT NULL,
    bank_details TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'unpaid',   -- unpaid, paid
    paid_at      BIGINT NOT NULL DEFAULT 0,
    share_token_hash TEXT UNIQUE,              -- SHA-256 of the public link's token; NULL = no link
    share_expires_at BIGINT NOT NULL DEFAULT 0, -- 0 = the link does not expire
    created_by   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX invoices_status ON invoices (status, due_date);
