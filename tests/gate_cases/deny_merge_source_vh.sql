-- role: codex_staging
-- expect: cross-boundary-write
-- MERGE into eng using vh as the source (update and insert only)
MERGE INTO eng.projects p USING vh.tasks t ON p.id = t.id WHEN MATCHED THEN UPDATE SET name = t.summary WHEN NOT MATCHED THEN INSERT (id, name) VALUES (t.id, t.summary);
