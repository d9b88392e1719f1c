-- Placeholder: 0009_webhooks fills this in.
SELECT 1;
