-- role: codex_staging
-- expect: cross-boundary-write
-- an error (or none) reveals a vh value; LAST_ERROR_MESSAGE carries it
SELECT 1 / (count(*) - 3) FROM vh.tasks;
UPDATE eng.projects SET name = :'LAST_ERROR_MESSAGE' WHERE id = 1;
