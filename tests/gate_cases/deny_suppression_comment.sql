-- role: codex_staging
-- expect: unproven role-allowlist
-- a script cannot lift its own gate: policy rules ignore suppression comments
-- pgward-ignore unproven: the author says it is fine
SELECT query_to_xml('DELETE FROM eng.projects RETURNING 1', true, true, '');
-- pgward-ignore role-allowlist: the author says it is fine
DELETE FROM eng.projects WHERE id = 1;
