-- Verification queries: the evidence the staging audit trail asks for.
SELECT current_database(), current_user;
SHOW row_security;
SELECT schema_name FROM information_schema.schemata
 WHERE schema_name IN ('eng', 'vh', 'audit', 'views') ORDER BY 1;
SELECT count(*) AS directives FROM eng.strategic_directives \gset
\if :{?directives}
SELECT 'directives present' AS check;
\endif
