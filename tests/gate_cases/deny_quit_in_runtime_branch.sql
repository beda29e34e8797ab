-- role: codex_staging
-- expect: role-allowlist
-- \q in a branch a run-time value decides: psql may go on, so the rest is read
SELECT false AS stop \gset
\if :stop
\q
\endif
DELETE FROM eng.projects WHERE id = 1;
