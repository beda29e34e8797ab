-- role: codex_staging
-- expect: unproven
-- the audit writers check their caller's login, and the gate refuses the calls too:
-- a script never begins, records or finishes a run
SELECT audit.pgward_begin_run('00000000-0000-4000-8000-000000000001', 'b', 'p',
                              'codex_staging', 'bundle', 'c', now());
SELECT audit.pgward_record('00000000-0000-4000-8000-000000000001', '[]',
                           '[{"path": "a.sql", "sha256": "00", "txn": 1}]');
SELECT audit.pgward_finish_run('00000000-0000-4000-8000-000000000001', 'committed', NULL);
