-- a migration in its own schema, PostgreSQL 15: nobody else can create there
CREATE TABLE IF NOT EXISTS app.settings (name text PRIMARY KEY, value text);
CREATE OR REPLACE VIEW app.settings_v AS SELECT name FROM app.settings;
GRANT CREATE ON SCHEMA shared TO PUBLIC;
CREATE OR REPLACE VIEW shared.settings_v AS SELECT name FROM app.settings;
