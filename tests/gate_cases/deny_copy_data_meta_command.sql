-- role: codex_staging
-- expect: unproven
COPY eng.projects (no_such_column) FROM STDIN;
\! touch /tmp/pwned
\.
