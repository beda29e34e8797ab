-- role: ehg_admin
-- expect: cross-boundary-write
-- a function in eng whose BEGIN ATOMIC body copies vh into eng
CREATE FUNCTION eng.sync() RETURNS void LANGUAGE sql
BEGIN ATOMIC
  INSERT INTO eng.projects (name) SELECT summary FROM vh.tasks;
END;
