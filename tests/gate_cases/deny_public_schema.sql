-- role: codex_staging
-- expect: role-allowlist
-- unqualified names land in public by default
INSERT INTO scratch VALUES (1);
