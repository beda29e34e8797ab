-- role: codex_staging
-- expect: role-allowlist
-- inline COPY data into vh
COPY vh.tasks (summary) FROM STDIN;
x
\.
