-- role: codex_staging
-- expect: role-allowlist unproven
-- rules are DDL
CREATE RULE r AS ON INSERT TO eng.projects DO ALSO DELETE FROM eng.projects;
