-- every name below is looked up through a search_path this script does not pin
CREATE SCHEMA myext;
SELECT label('%s', 1);
SELECT '1'::int4, 1::int, x + 1 FROM settings;
DO $$ BEGIN PERFORM helper(); END $$;
CREATE FUNCTION myext.grade(score int) RETURNS text LANGUAGE sql
AS $$ SELECT CASE score WHEN 100 THEN 'full' ELSE lower('partial') END $$;
CREATE FUNCTION myext.setting(k text) RETURNS text LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM safe_call();
  SET search_path = public;
  RETURN (SELECT value FROM settings WHERE key = k);
END $$;
CREATE OPERATOR myext.#? (LEFTARG = bool, RIGHTARG = bool, FUNCTION = boolge);
CREATE AGGREGATE total (complex) (SFUNC = complex_add, STYPE = complex);
SELECT a.id FROM myext.t a JOIN myext.u b USING (id) WHERE a.id IN (SELECT id FROM myext.v);
CREATE TRIGGER t_audit AFTER INSERT ON myext.t FOR EACH ROW EXECUTE FUNCTION audit_row();
