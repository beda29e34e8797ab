-- pgward-ignore-file unsupported-meta-command: the CI runner has a psql that allows \o
\o /dev/null
-- 1. a statement suppression with a reason: applies
-- pgward-ignore transaction-control: this file is run by psql, not pgward apply
COMMIT;
-- 2. without a reason: does not apply, and is reported
-- pgward-ignore transaction-control
COMMIT;
-- 3. a typo: reported, and suppresses nothing
-- pgward-ignore transaction-controll: typo
COMMIT;
-- 4. two ids, one unused
-- pgward-ignore syntax-error, transaction-control: both?
SELECT 1 FORM t;
-- 5. a comment inside a statement covers that statement
SELECT 1
  -- pgward-ignore syntax-error: covered by the statement it is in
  FORM t;
-- 6. an included file's findings are not covered by this file's suppressions
\ir inc.sql
-- 7. nothing follows
-- pgward-ignore syntax-error: nothing after me
