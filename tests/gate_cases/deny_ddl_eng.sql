-- role: codex_staging
-- expect: role-allowlist
-- no DDL
CREATE TABLE eng.t2 (id int);
