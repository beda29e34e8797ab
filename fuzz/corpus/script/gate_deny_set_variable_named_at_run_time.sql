-- role: codex_staging
-- expect: unproven
-- psql sets the variable the value names: here SINGLELINE, which changes splitting
SELECT 'SINGLELINE' AS v \gset
\set :v on
SELECT 1 FROM eng.projects
;
