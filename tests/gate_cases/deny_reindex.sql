-- role: codex_staging
-- expect: role-allowlist
-- no maintenance: REINDEX
REINDEX TABLE eng.projects;
