-- role: codex_staging
-- expect: unproven
-- large objects live outside every schema the policy names
SELECT lo_create(0);
SELECT lo_from_bytea(0, 'x');
