SET ROLE ehg_admin;
TRUNCATE eng.projects;
