-- role: ehg_admin
-- expect: rls-required
-- the table pattern matches the qualified name: eng_secrets.notes
CREATE TABLE eng_secrets.notes (id bigint, body text);
