-- Placeholder on branch wt-recipient only: the numbers 0020 and 0021 belong
-- to the other issue-8 branches. Delete this file when merging them.
SELECT 1;
