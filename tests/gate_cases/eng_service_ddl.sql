-- role: eng_service
-- expect: none
-- eng_service may define in eng
ALTER TABLE eng.projects ADD COLUMN note text;
