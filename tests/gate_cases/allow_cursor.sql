-- role: codex_staging
-- expect: none
-- a cursor over eng, in a file-level transaction (one BEGIN ... COMMIT around it all)
BEGIN; DECLARE c CURSOR FOR SELECT * FROM eng.projects; FETCH 10 FROM c; CLOSE c; COMMIT;
