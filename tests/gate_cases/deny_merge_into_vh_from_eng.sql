-- role: codex_staging
-- expect: role-allowlist cross-boundary-write
-- MERGE writes vh (no grant) while reading eng
MERGE INTO vh.tasks t USING eng.projects p ON t.id = p.id WHEN MATCHED THEN UPDATE SET summary = p.name;
