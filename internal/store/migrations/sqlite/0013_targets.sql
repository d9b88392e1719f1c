-- Sales targets (目標) and the forecast category of deals (issue 6 §4).
--
-- A target is for one period (a month, a fiscal quarter or a fiscal year,
-- named by its key: 2026-04, 2026-Q1, 2026) and one scope: the whole
-- workspace (scope_id 0), a team or a user. It is either an amount in the
-- base currency's minor units, or a percentage of the same scope's won
-- revenue in the previous period ("110% of last month"), computed when read.

CREATE TABLE sales_targets (
    id          INTEGER PRIMARY KEY,
    period_kind TEXT NOT NULL,              -- month, quarter, year
    period_key  TEXT NOT NULL,              -- crm.Period.Key()
    scope       TEXT NOT NULL,              -- workspace, team, user
    scope_id    BIGINT NOT NULL DEFAULT 0,  -- team or user id; 0 for the workspace
    amount      BIGINT NOT NULL DEFAULT 0,  -- minor units of the base currency (when percent = 0)
    percent     INTEGER NOT NULL DEFAULT 0, -- % of the previous period's actual; 0 = an amount
    created_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1,
    UNIQUE (period_kind, period_key, scope, scope_id)
);
CREATE INDEX sales_targets_scope ON sales_targets (scope, scope_id);

-- pipeline, best_case, commit or omitted: what the owner expects of an open deal.
ALTER TABLE deals ADD COLUMN forecast_category TEXT NOT NULL DEFAULT 'pipeline';
-- Attainment reads deals won in a period and open deals closing in it.
CREATE INDEX deals_won ON deals (won_at);
CREATE INDEX deals_close ON deals (close_date);
