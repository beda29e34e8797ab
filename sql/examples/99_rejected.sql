-- Deliberately bad (codex_staging): the gate must reject this script, before any
-- of it runs. Three reasons, one per statement.
-- 1. hydrating eng from vh writes one isolated family while reading the other
UPDATE eng.projects p
   SET vh_ref = t.project_ref
  FROM vh.tasks t
 WHERE p.vh_ref IS NULL AND t.summary LIKE p.name || '%';
-- 2. codex_staging may select, insert and update eng, never delete
DELETE FROM eng.projects WHERE directive_id IS NULL;
-- 3. a meta-command that escapes to the shell
\! psql -c 'DROP SCHEMA vh CASCADE'
