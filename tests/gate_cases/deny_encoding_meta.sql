-- role: codex_staging
-- expect: unsupported-meta-command
\encoding SJIS
SELECT 1;
