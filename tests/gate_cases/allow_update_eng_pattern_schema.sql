-- role: codex_staging
-- expect: none
-- eng_* schemas belong to the family
UPDATE eng_archive.projects SET name = 'y' WHERE id = 1;
