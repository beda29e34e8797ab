-- role: codex_staging
-- expect: role-allowlist syntax-error
-- a statement that does not parse cannot be proven
DELET FROM eng.projects;
