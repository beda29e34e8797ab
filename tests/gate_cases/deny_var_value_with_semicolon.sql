-- role: codex_staging
-- expect: role-allowlist
-- a variable value holding a semicolon expands to two statements
\set q 'UPDATE eng.projects SET name = \'a\' WHERE id = 1; DELETE FROM eng.projects'
:q;
