-- a backfill that reaches past what the gate can prove
SET search_path = eng;
SELECT title FROM vh.tasks LIMIT 1 \gset
UPDATE projects SET name = lower(name) WHERE name = :title;
SELECT query_to_xml('SELECT * FROM vh.tasks', true, true, '');
SET standard_conforming_strings = off;
