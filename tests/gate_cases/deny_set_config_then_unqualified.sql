-- role: codex_staging
-- expect: unproven role-allowlist
-- after set_config the path is unknown: an unqualified table or call cannot be resolved
SELECT set_config('search_path', 'public, pg_catalog', false);
SELECT lower(name) FROM projects;
