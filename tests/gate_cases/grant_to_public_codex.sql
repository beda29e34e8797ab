-- role: codex_staging
-- expect: grant-to-public no-identity-change role-allowlist
-- GRANT to PUBLIC by a restricted role: three reasons
GRANT SELECT ON eng.projects TO PUBLIC;
