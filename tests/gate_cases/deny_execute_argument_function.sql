-- role: codex_staging
-- expect: unproven
-- EXECUTE's arguments are expressions: checked like a SELECT list
PREPARE p(text) AS SELECT $1;
EXECUTE p(lo_import('/etc/passwd')::text);
