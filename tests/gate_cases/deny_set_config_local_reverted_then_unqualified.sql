-- role: codex_staging
-- expect: unproven
-- set_config(..., true) is SET LOCAL: the path it pins ends with the rollback of the
-- savepoint, and eng comes first again for the unqualified call after it
SET search_path = eng, pg_catalog;
SAVEPOINT s;
SELECT pg_catalog.set_config('search_path', 'pg_catalog', true);
ROLLBACK TO SAVEPOINT s;
SELECT lower('A');
