-- role: ehg_admin
-- expect: grant-to-public
-- PUBLIC hidden in a list of grantees
GRANT SELECT ON ALL TABLES IN SCHEMA eng TO analyst_ro, PUBLIC;
