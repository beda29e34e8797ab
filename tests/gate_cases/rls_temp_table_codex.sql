-- role: codex_staging
-- expect: role-allowlist rls-required
-- a temporary table holding api keys: DDL and no RLS
CREATE TEMP TABLE tok (id int, api_key text);
