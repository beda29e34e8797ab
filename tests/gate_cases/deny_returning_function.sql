-- role: codex_staging
-- expect: unproven
UPDATE eng.projects SET name = name WHERE id = 1 RETURNING query_to_xml('SELECT 1', true, true, '');
