-- role: codex_staging
-- expect: unproven
-- a setting is a channel from one statement to the next
SELECT set_config('app.leak', string_agg(title, ','), false) FROM vh.tasks;
UPDATE eng.projects SET name = current_setting('app.leak') WHERE id = 1;
