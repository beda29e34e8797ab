-- pgward-ignore-file syntax-error: generated file
SELECT 1 FORM a;
ROLLBACK;
