-- role: codex_staging
-- expect: role-allowlist
-- a sequence named at run time
SELECT nextval(name) FROM eng.projects;
