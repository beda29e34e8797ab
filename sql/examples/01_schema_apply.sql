-- Schema apply (runs as ehg_admin): the eng and vh families, the views bridge.
-- No BEGIN/COMMIT: pgward apply runs the whole file in one transaction.
\set ON_ERROR_STOP on
CREATE SCHEMA IF NOT EXISTS eng;
CREATE SCHEMA IF NOT EXISTS vh;
CREATE SCHEMA IF NOT EXISTS views;

CREATE TABLE IF NOT EXISTS eng.strategic_directives (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title       text NOT NULL,
    status      text NOT NULL DEFAULT 'draft',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS eng.projects (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    directive_id bigint REFERENCES eng.strategic_directives (id),
    name         text NOT NULL,
    vh_ref       text
);
CREATE TABLE IF NOT EXISTS vh.tasks (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_ref text NOT NULL,
    summary    text NOT NULL,
    done       boolean NOT NULL DEFAULT false
);
CREATE OR REPLACE VIEW views.project_tasks AS
    SELECT p.name AS project, t.summary, t.done
    FROM eng.projects p JOIN vh.tasks t ON t.project_ref = p.vh_ref;
