-- role: codex_staging
-- expect: unproven
-- an unqualified call that is not one of pg_catalog's functions resolves through search_path
SET search_path = eng; SELECT recalc_totals();
