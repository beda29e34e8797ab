-- role: codex_staging
-- expect: unproven
DECLARE c CURSOR FOR SELECT lo_create(0);
FETCH c;
