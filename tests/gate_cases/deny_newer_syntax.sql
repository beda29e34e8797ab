-- role: codex_staging
-- expect: unproven
-- syntax of a newer PostgreSQL (unsupported-syntax, a warning) cannot be read, so
-- it is never allowed
MERGE INTO eng.projects AS p USING eng.projects AS q ON p.id = q.id
WHEN NOT MATCHED BY SOURCE THEN DELETE;
