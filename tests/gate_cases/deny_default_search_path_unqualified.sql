-- role: codex_staging
-- expect: role-allowlist
-- the default search_path ($user, public) is ambiguous
SELECT * FROM projects;
