-- Linkage hydration (runs as codex_staging): copy task references onto projects.
-- Reads vh, writes eng: allowed for codex_staging by the staging policy.
UPDATE eng.projects p
   SET vh_ref = t.project_ref
  FROM vh.tasks t
 WHERE p.vh_ref IS NULL
   AND t.project_ref = 'PRJ-' || p.id;
