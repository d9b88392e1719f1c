-- Number 0015 is reserved for the quotes migration (branch wt-quotes); the
-- runner needs contiguous numbers, so this empty step stands in for it on
-- the catalogue branch. Delete this file when 0015_quotes arrives.
SELECT 1;
