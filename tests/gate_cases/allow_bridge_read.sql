-- role: eng_service
-- expect: none
-- reading the bridge is what it is for
SELECT name FROM views.project_summary;
