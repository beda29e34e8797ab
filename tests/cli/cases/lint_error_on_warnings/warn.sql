-- pgward-ignore syntax-error: the old statement is gone
SELECT 1;
