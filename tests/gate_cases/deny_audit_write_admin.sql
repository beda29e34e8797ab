-- role: ehg_admin
-- expect: role-allowlist
-- audit is written only by pgward
DELETE FROM audit.runs;
