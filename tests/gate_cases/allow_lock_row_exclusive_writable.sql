-- role: codex_staging
-- expect: none
-- ROW EXCLUSIVE on a table the role may write: what its UPDATE takes anyway (apply
-- runs the file in a transaction, which the lock lasts for)
LOCK TABLE eng.projects IN ROW EXCLUSIVE MODE;
UPDATE eng.projects SET name = lower(name) WHERE id = 1;
