-- role: codex_staging
-- expect: role-allowlist
-- nextval advances (writes) a vh sequence; codex may only read vh
SELECT nextval('vh.tasks_id_seq');
