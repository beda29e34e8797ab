-- role: eng_service
-- expect: unproven
-- a column default runs on every insert: here a vh function
ALTER TABLE eng.projects ADD COLUMN tag text DEFAULT vh.next_tag();
