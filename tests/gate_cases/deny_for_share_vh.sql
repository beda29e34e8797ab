-- role: codex_staging
-- expect: role-allowlist
-- row locks need UPDATE, codex may only read vh
SELECT * FROM vh.tasks FOR SHARE;
