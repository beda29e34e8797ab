-- role: codex_staging
-- expect: unproven
-- ts_stat runs the query text it is given
SELECT * FROM ts_stat('DELETE FROM eng.projects RETURNING to_tsvector(name)');
