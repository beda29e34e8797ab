-- role: codex_staging
-- expect: unproven
-- a literal from a run-time value names a sequence the gate cannot see
SELECT 'vh.people_id_seq' AS s \gset
SELECT nextval(:'s');
