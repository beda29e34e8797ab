-- role: codex_staging
-- expect: unproven
-- cursor_to_xml fetches from a cursor named in a string
DECLARE c CURSOR FOR SELECT * FROM vh.people;
SELECT cursor_to_xml('c', 10, true, true, '');
