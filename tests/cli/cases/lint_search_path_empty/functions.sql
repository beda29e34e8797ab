-- search_path = '' alone is the safest value; beside another schema it is not
CREATE OR REPLACE FUNCTION app.safe() RETURNS int LANGUAGE sql SECURITY DEFINER
SET search_path = ''
AS $$ SELECT 1 $$;

CREATE OR REPLACE FUNCTION app.unsafe() RETURNS int LANGUAGE sql SECURITY DEFINER
SET search_path = '', public
AS $$ SELECT 1 $$;
