-- role: codex_staging
-- expect: role-allowlist
-- large-object import
SELECT lo_import('/etc/passwd');
