-- role: ehg_admin
-- expect: grant-to-public
-- GRANT to PUBLIC
GRANT SELECT ON eng.projects TO PUBLIC;
