-- role: ehg_admin
-- expect: none
-- the administrator may change eng
CREATE TABLE eng.notes (id bigint);
