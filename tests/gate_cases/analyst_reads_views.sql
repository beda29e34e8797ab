-- role: analyst_ro
-- expect: none
-- analysts read the bridge
SELECT * FROM views.project_tasks;
