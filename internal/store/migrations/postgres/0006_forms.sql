-- Placeholder: 0006_forms fills this in.
SELECT 1;
