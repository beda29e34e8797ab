-- role: codex_staging
-- expect: unproven
-- NOTIFY and pg_notify signal other sessions
NOTIFY ch, 'x';
SELECT pg_notify('ch', 'x');
