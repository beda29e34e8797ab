-- role: ehg_admin
-- expect: rls-required
-- a quoted mixed-case sensitive column
CREATE TABLE eng.users (id bigint, "Email_Address" text);
