-- role: codex_staging
-- expect: cross-boundary-write
-- UPDATE ... FROM the other family
UPDATE eng.projects p SET vh_ref = t.project_ref FROM vh.tasks t WHERE t.id = p.id;
