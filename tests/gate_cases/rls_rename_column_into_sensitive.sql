-- role: eng_service
-- expect: rls-required
ALTER TABLE eng.projects RENAME COLUMN notes TO api_key;
