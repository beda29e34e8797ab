-- role: codex_staging
-- expect: unproven
-- pg_read_file spelt with U& escapes
SELECT U&"pg\005fread\005ffile"('/etc/passwd');
