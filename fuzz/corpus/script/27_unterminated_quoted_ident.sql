SELECT "never closed;
SELECT 3;
