-- Schema apply (ehg_admin): the housekeeping tables of the eng and vh families and
-- the views bridge. sql/bootstrap.sql made the schemas, roles and default
-- privileges; every table ehg_admin creates here is granted as the policy says.
-- No BEGIN/COMMIT: pgward apply runs the whole bundle in one transaction.
CREATE TABLE IF NOT EXISTS eng.strategic_directives (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title       text NOT NULL UNIQUE,
    status      text NOT NULL DEFAULT 'draft',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS eng.projects (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL UNIQUE,
    directive_ref text NOT NULL,
    directive_id  bigint REFERENCES eng.strategic_directives (id),
    vh_ref        text
);
CREATE TABLE IF NOT EXISTS vh.tasks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_ref text NOT NULL,
    summary     text NOT NULL,
    done        boolean NOT NULL DEFAULT false
);
-- the bridge: the one place that reads both families, and only reads
CREATE OR REPLACE VIEW views.project_tasks AS
    SELECT p.name AS project, t.summary, t.done
    FROM eng.projects p JOIN vh.tasks t ON t.project_ref = p.vh_ref;
