-- role: codex_staging
-- expect: role-allowlist
-- \quit in a branch that is not taken does nothing: the rest is read and judged
\if false
\quit
\endif
DROP TABLE eng.projects;
