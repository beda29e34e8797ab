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
\conninfo
SELECT count(*) FROM eng.projects;
