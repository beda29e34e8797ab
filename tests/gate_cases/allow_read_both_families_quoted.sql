-- role: codex_staging
-- expect: none
-- reading eng, vh and vh_archive together writes nothing
SELECT p.name, t.summary FROM "eng".projects p JOIN "vh".tasks t ON t.id = p.id JOIN vh_archive.tasks a ON a.id = t.id;
