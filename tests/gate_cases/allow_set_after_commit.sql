-- role: codex_staging
-- expect: transaction-control
-- a plain SET inside a committed transaction stays
BEGIN; SET search_path = eng; COMMIT; INSERT INTO projects (name) VALUES ('x');
