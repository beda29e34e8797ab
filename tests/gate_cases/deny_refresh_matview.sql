-- role: codex_staging
-- expect: role-allowlist
-- REFRESH MATERIALIZED VIEW
REFRESH MATERIALIZED VIEW eng.summary;
