-- role: codex_staging
-- expect: role-allowlist
-- MERGE with a DELETE action
MERGE INTO eng.projects p USING eng.projects q ON p.id = q.id WHEN MATCHED THEN DELETE;
