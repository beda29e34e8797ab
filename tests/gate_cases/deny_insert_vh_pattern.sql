-- role: codex_staging
-- expect: role-allowlist
-- vh_* is vh
INSERT INTO vh_extra.t VALUES (1);
