-- Linkage hydration: copy task references onto projects.
-- It reads vh and writes eng, which rules/staging.policy treats as a cross-boundary write.
UPDATE eng.projects p
   SET vh_ref = t.project_ref
  FROM vh.tasks t
 WHERE p.vh_ref IS NULL
   AND t.project_ref = 'PRJ-' || p.id;
