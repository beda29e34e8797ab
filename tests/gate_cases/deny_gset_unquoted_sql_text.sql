-- role: codex_staging
-- expect: unproven
-- a \gset value interpolated as SQL text is SQL the gate has not seen: here the
-- value is harmless, but the same reference could carry "1; DELETE FROM eng.projects"
SELECT max(id) AS top FROM eng.projects \gset
UPDATE eng.projects SET name = 'latest' WHERE id = :top;
