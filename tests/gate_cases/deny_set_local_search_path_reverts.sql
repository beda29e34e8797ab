-- role: codex_staging
-- expect: role-allowlist transaction-control
-- SET LOCAL ends at COMMIT: search_path is vh again for the UPDATE
SET search_path = vh;
BEGIN;
SET LOCAL search_path = eng;
COMMIT;
UPDATE tasks SET done = true;
