-- role: codex_staging
-- expect: unproven
-- PostgreSQL names this column 'lower': the gate follows FigureColname
SELECT lower('DELETE FROM eng.projects') \gset
SELECT 1 WHERE :lower IS NULL;
