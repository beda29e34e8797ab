-- role: codex_staging
-- expect: role-allowlist
-- COPY from a program
COPY eng.projects FROM PROGRAM 'id';
