-- role: codex_staging
-- expect: unproven
-- query_to_xml runs the SQL text it is given
SELECT query_to_xml('DELETE FROM eng.projects RETURNING 1', true, true, '');
