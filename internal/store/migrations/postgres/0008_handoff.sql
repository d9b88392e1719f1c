-- Placeholder: 0008_handoff fills this in.
SELECT 1;
