-- role: codex_staging
-- expect: cross-boundary-write
-- a LATERAL subquery over vh_archive
INSERT INTO eng.projects (name) SELECT l.summary FROM eng.projects p CROSS JOIN LATERAL (SELECT summary FROM vh_archive.tasks t WHERE t.id = p.id) l;
