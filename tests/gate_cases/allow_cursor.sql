-- role: codex_staging
-- expect: transaction-control
-- a cursor over eng
BEGIN; DECLARE c CURSOR FOR SELECT * FROM eng.projects; FETCH 10 FROM c; CLOSE c; COMMIT;
