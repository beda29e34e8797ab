-- role: codex_staging
-- expect: syntax-error unproven
-- the value of :q is SQL the gate has never seen
SELECT 'DELETE FROM eng.projects' AS q \gset
:q;
