-- pinned to trusted schemas: calls cannot be hijacked; a relation only where pg_temp
-- (the caller's) may hold it
CREATE TABLE app.accounts (id bigint PRIMARY KEY, credits int);
CREATE FUNCTION app.grant_credits(p_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = app, pg_temp AS $$
BEGIN
  UPDATE accounts SET credits = credits + 1 WHERE id = p_id;
  UPDATE ledger SET n = n + 1;
  PERFORM log_change(p_id);
END $$;
-- not pinned: every unqualified name
CREATE FUNCTION app.open() RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = "$user", app, pg_temp
AS $$ SELECT log_change(1) FROM accounts $$;
