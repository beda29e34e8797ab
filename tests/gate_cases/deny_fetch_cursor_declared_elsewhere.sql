-- role: codex_staging
-- expect: unproven
FETCH ALL FROM c;
