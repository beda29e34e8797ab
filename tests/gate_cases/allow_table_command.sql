-- role: codex_staging
-- expect: none
-- TABLE vh.tasks is a SELECT
TABLE vh.tasks;
