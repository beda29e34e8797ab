-- role: ehg_admin
-- expect: cross-boundary-write
-- an SQL function in eng reading vh
CREATE FUNCTION eng.t() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM vh.tasks';
