-- role: codex_staging
-- expect: unproven role-allowlist
-- set_config puts public before pg_catalog: an unqualified call may be public's, an
-- unqualified table is public's
SELECT set_config('search_path', 'public, pg_catalog', false);
SELECT lower(name) FROM projects;
