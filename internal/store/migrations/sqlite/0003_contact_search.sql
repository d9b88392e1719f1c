-- Indexes for contact lists, search and duplicate detection
-- (store/contact_list.go, store/duplicates.go).
--
-- Keyset pagination orders by (key, id), so the sort keys carry the id.
DROP INDEX contacts_reading_key;
CREATE INDEX contacts_reading_key ON contacts (reading_key, id);
DROP INDEX contacts_name_key;
CREATE INDEX contacts_name_key ON contacts (name_key, id);
-- The company filter, and "same name at the same company" duplicate groups
-- read from the index alone.
DROP INDEX contacts_company;
CREATE INDEX contacts_company ON contacts (company_id, name_key);
CREATE INDEX contacts_updated ON contacts (updated_at, id);
CREATE INDEX contacts_team ON contacts (team_id, created_at, id);
-- Given-name prefix search, case-insensitive for ASCII (lower() folds ASCII
-- only here, as lower(x COLLATE "C") does on PostgreSQL).
CREATE INDEX contacts_given_key ON contacts (lower(given_name));
