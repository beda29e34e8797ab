-- role: codex_staging
-- expect: role-allowlist
-- CHECKPOINT is maintenance
CHECKPOINT;
