-- role: codex_staging
-- expect: unproven
-- large-object import
SELECT lo_import('/etc/passwd');
