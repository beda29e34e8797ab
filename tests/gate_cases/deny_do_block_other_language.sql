-- role: codex_staging
-- expect: role-allowlist
-- a DO block in a language pgward cannot analyse
DO LANGUAGE plpython3u $$ import os $$;
