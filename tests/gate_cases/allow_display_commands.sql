-- role: codex_staging
-- expect: none
\timing on
\pset format csv
\x auto
\t
\echo starting
\qecho to the output
\warn to stderr
\encoding UTF8
SELECT count(*) FROM eng.projects;
