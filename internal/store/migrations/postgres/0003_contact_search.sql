-- Indexes for contact lists, search and duplicate detection
-- (store/contact_list.go, store/duplicates.go).
--
-- The machine keys compare byte by byte, as on SQLite (BINARY): prefix
-- range scans (key >= p AND key < p || U+10FFFF) and 五十音 order on
-- katakana readings then mean the same on both databases whatever the
-- database's default collation is (en_US would ignore spaces and hyphens).
DROP INDEX contacts_reading_key;
DROP INDEX contacts_name_key;
DROP INDEX contacts_company;
ALTER TABLE contacts
    ALTER COLUMN email TYPE TEXT COLLATE "C",
    ALTER COLUMN name_key TYPE TEXT COLLATE "C",
    ALTER COLUMN reading_key TYPE TEXT COLLATE "C",
    ALTER COLUMN phone_key TYPE TEXT COLLATE "C";
ALTER TABLE companies
    ALTER COLUMN name_key TYPE TEXT COLLATE "C",
    ALTER COLUMN reading TYPE TEXT COLLATE "C",
    ALTER COLUMN domain TYPE TEXT COLLATE "C";

-- Keyset pagination orders by (key, id), so the sort keys carry the id.
CREATE INDEX contacts_reading_key ON contacts (reading_key, id);
CREATE INDEX contacts_name_key ON contacts (name_key, id);
-- The company filter, and "same name at the same company" duplicate groups
-- read from the index alone.
CREATE INDEX contacts_company ON contacts (company_id, name_key);
CREATE INDEX contacts_updated ON contacts (updated_at, id);
CREATE INDEX contacts_team ON contacts (team_id, created_at, id);
-- Given-name prefix search, case-insensitive for ASCII only, as SQLite's
-- lower() is.
CREATE INDEX contacts_given_key ON contacts (lower(given_name COLLATE "C"));
