-- role: codex_staging
-- expect: unproven
-- dblink
SELECT * FROM dblink('host=x', 'DROP TABLE t') AS t(a int);
