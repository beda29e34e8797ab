-- role: codex_staging
-- expect: role-allowlist
-- COPY of a DELETE ... RETURNING
COPY (DELETE FROM eng.projects RETURNING *) TO STDOUT;
