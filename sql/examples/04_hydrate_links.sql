-- Linkage hydration (codex_staging): resolve each project's directive from its
-- title, inside the eng family (reading vh to write eng would cross the boundary
-- the policy isolates: see 99_rejected.sql).
UPDATE eng.projects p
   SET directive_id = d.id
  FROM eng.strategic_directives d
 WHERE p.directive_id IS NULL
   AND d.title = p.directive_ref;
