-- role: codex_staging
-- expect: none
-- COPY of a join over both families to STDOUT only reads
COPY (SELECT t.id, p.name FROM vh.tasks t JOIN eng.projects p ON p.id = t.id) TO STDOUT WITH (FORMAT csv, HEADER);
