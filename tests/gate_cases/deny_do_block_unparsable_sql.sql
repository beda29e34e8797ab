-- role: codex_staging
-- expect: unproven
-- a DO block whose SQL does not parse cannot be proven (and libpg_query leaks here: tests/lsan.supp)
DO $$ BEGIN DELETEERE id = 1; END $$;
