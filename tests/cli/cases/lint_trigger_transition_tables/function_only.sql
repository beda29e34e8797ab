CREATE FUNCTION app.audit_rows() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  INSERT INTO app.audit_log (n) SELECT count(*) FROM new_rows;
  INSERT INTO app.audit_log (n) SELECT count(*) FROM old_rows;
  PERFORM 1 FROM accounts;
  RETURN NULL;
END $$;
