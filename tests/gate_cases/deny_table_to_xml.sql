-- role: codex_staging
-- expect: unproven
-- table_to_xml reads a table named in a string
SELECT table_to_xml('vh.people', true, true, '');
