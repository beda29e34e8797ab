-- role: codex_staging
-- expect: unproven
-- ORDER BY of VALUES is an expression like any other
VALUES (1) ORDER BY lo_create(0);
