-- role: codex_staging
-- expect: unproven unset-variable
-- an unset variable leaves the statement unparsed: one unset-variable finding, and
-- each statement stays unproven
DELETE FROM eng.projects WHERE id = :id;
DELETE FROM eng.projects WHERE id = :id + 1;
