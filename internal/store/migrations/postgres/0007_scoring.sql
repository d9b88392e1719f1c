-- Placeholder: 0007_scoring fills this in.
SELECT 1;
