-- The sales dashboard at scale (row S3 on M: 200,000 deals, 650,000 stage
-- changes). A stage change records when the stay it ends began, so time in
-- stage is a sum over one index range instead of a lookup per row; the
-- closed-deal aggregates read one covering index; the won-date index holds
-- won deals only, so that "won_at IS NULL" does not pick it.

ALTER TABLE deal_stage_history ADD COLUMN entered_at BIGINT; -- when the deal entered from_stage_id; NULL on a deal's first row

UPDATE deal_stage_history SET entered_at = (SELECT MAX(p.at) FROM deal_stage_history p
    WHERE p.deal_id = deal_stage_history.deal_id
      AND (p.at < deal_stage_history.at OR (p.at = deal_stage_history.at AND p.id < deal_stage_history.id)))
WHERE from_stage_id IS NOT NULL;

CREATE INDEX deal_stage_history_at ON deal_stage_history (at, from_stage_id, deal_id, entered_at);

DROP INDEX deals_closed;
CREATE INDEX deals_closed ON deals (closed_at, won_at, source_group, currency, amount, created_at,
    pipeline_id, stage_id, owner_id, team_id, lost_to_id, lost_reason);

DROP INDEX deals_won;
CREATE INDEX deals_won ON deals (won_at) WHERE won_at IS NOT NULL;
