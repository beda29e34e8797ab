-- role: codex_staging
-- expect: none
-- COPY TO STDOUT reads
COPY eng.projects TO STDOUT;
