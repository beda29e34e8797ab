-- role: codex_staging
-- expect: unproven
-- a cast of a constant is named after its type: 'text'
SELECT 'x'::text \gset
SELECT 1 WHERE :text IS NULL;
