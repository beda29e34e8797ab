-- role: codex_staging
-- expect: role-allowlist
-- dblink
SELECT * FROM dblink('host=x', 'DROP TABLE t') AS t(a int);
