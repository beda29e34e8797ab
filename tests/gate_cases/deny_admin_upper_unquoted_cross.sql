-- role: ehg_admin
-- expect: cross-boundary-write
-- unquoted upper-case names fold to eng and vh
INSERT INTO ENG.Projects (name) SELECT summary FROM VH.TASKS;
