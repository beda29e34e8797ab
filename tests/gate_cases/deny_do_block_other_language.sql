-- role: codex_staging
-- expect: unproven
-- a DO block in a language pgward cannot analyse
DO LANGUAGE plpython3u $$ import os $$;
