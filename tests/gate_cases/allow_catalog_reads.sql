-- role: codex_staging
-- expect: none
-- reads of pg_catalog and information_schema are reads
SELECT relname FROM pg_class WHERE relnamespace = 'eng'::regnamespace;
SELECT table_name FROM information_schema.tables WHERE table_schema = 'eng';
