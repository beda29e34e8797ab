-- role: ehg_admin
-- expect: cross-boundary-write
-- a BEGIN ATOMIC body in eng reading vh
CREATE FUNCTION eng.t2() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM vh.tasks; END;
