-- role: ehg_admin
-- expect: rls-required
-- SELECT INTO a table with a sensitive name
SELECT * INTO eng.secret_copy FROM eng.projects;
