-- Covering indexes for the reports at a million contacts (BENCHMARKS.md R1).
--
-- A campaign's leads (store.campaignLeadsQuery) are the contacts among the
-- visitors and form submissions that carried its tag, and among the
-- submissions of its forms. The indexes of 0024 found the rows by tag and
-- then read each row for its contact: a popular tag meant hundreds of
-- thousands of row reads per campaign. These hold the contact too, and only
-- the rows that have one, so the lookup reads the index alone.
DROP INDEX IF EXISTS visitors_first_campaign;
DROP INDEX IF EXISTS form_submissions_campaign;
DROP INDEX IF EXISTS form_submissions_first_campaign;
CREATE INDEX visitors_campaign_contact ON visitors (first_utm_campaign, contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX form_submissions_campaign_contact ON form_submissions (utm_campaign, contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX form_submissions_first_campaign_contact ON form_submissions (first_utm_campaign, contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX form_submissions_form_contact ON form_submissions (form_id, contact_id) WHERE contact_id IS NOT NULL;

-- Leads by original source and the lead cohorts (store.LeadsBySource,
-- store.LeadCohorts) count the contacts created in a period by source,
-- and each contact's hand-offs (accepted or not) and deals (won or not).
CREATE INDEX contacts_created_source ON contacts (created_at, original_source, id);
CREATE INDEX handoffs_contact_status ON handoffs (contact_id, status);
CREATE INDEX deals_contact_won ON deals (contact_id, won_at);
