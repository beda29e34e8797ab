-- role: codex_staging
-- expect: role-allowlist
-- COPY from a server file
COPY eng.projects FROM '/etc/passwd';
