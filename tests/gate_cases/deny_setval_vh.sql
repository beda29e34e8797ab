-- role: codex_staging
-- expect: role-allowlist
-- setval rewinds a vh sequence
SELECT setval('vh.tasks_id_seq', 1);
