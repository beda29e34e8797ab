SELECT 1 FROM eng.projects;
-- role: codex_staging
-- expect: none
-- psql skips a UTF-8 byte order mark at the start of a file (the header comes
-- after it here)
