-- Deliberately bad: the gate must reject this script.
-- A typo the PostgreSQL parser rejects, and a meta-command that escapes to the shell.
UPDATE eng.projects SET name = trim(name) WHERE name <> trim(name);
DELET FROM vh.tasks WHERE done;
\! psql -c 'DROP SCHEMA vh CASCADE'
