-- role: codex_staging
-- expect: unproven
-- \; then \gset: the columns of either result
SELECT 1 \; SELECT 'DELETE FROM eng.projects' AS q \gset
SELECT 1 WHERE :q IS NULL;
