-- Placeholder: 0010_sales fills this in.
SELECT 1;
