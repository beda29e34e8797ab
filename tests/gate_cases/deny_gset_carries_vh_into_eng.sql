-- role: codex_staging
-- expect: cross-boundary-write
-- data read from vh through \gset and written to eng
SELECT summary AS s FROM vh.tasks LIMIT 1 \gset
INSERT INTO eng.projects (name) VALUES (:'s');
