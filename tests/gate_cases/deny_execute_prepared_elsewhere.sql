-- role: codex_staging
-- expect: unproven
-- p was prepared by another file of the bundle (or another session): what it runs
-- was never analysed with this file
EXECUTE p \gset
UPDATE eng.projects SET name = :'title' WHERE id = 1;
