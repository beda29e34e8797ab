-- role: eng_service
-- expect: rls-required
-- a table renamed into a sensitive name
ALTER TABLE eng.cache RENAME TO user_tokens;
