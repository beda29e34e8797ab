SET search_path = @extschema@, pg_temp; SET search_path TO 'a, b';
SELECT "@extschema@" @extschema@@extschema@ '@extowner@' $$@extschema:$$;
