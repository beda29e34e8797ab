-- role: codex_staging
-- expect: role-allowlist
-- :{?name} is statically known: the \elif branch runs the DELETE
\set ok
\if :{?nope}
SELECT 1;
\elif :{?ok}
DELETE FROM eng.projects;
\endif
