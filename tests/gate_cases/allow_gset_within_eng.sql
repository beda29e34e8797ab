-- role: codex_staging
-- expect: none
-- \gset within one family
SELECT max(id) AS top FROM eng.projects \gset
UPDATE eng.projects SET name = 'latest' WHERE id = :'top';
