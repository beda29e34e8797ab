-- role: codex_staging
-- expect: cross-boundary-write transaction-control
-- a cursor over vh, FETCH into a variable, written to eng
BEGIN;
DECLARE c CURSOR FOR SELECT summary FROM vh.tasks;
FETCH 1 FROM c \gset
INSERT INTO eng.projects (name) VALUES (:'summary');
COMMIT;
