-- role: codex_staging
-- expect: none
-- search_path resolves unqualified names
SET search_path = eng; INSERT INTO projects (name) VALUES ('z');
