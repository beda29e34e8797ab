-- role: codex_staging
-- expect: syntax-error unproven
-- a statement that does not parse cannot be proven
DELET FROM eng.projects;
