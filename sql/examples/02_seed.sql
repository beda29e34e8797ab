-- Seed (ehg_admin): the sample the ingest dry run talks about: 4 strategic
-- directives, 3 projects, 6 tasks. Statuses arrive in mixed case; project links
-- arrive as titles only: the backfill and the hydration below fix both.
INSERT INTO eng.strategic_directives (title, status) VALUES
    ('Consolidate billing', 'ACTIVE'),
    ('Retire legacy CRM', 'Draft'),
    ('Harden staging access', 'active'),
    ('Unify reporting', 'DONE')
ON CONFLICT (title) DO NOTHING;
INSERT INTO eng.projects (name, directive_ref, vh_ref) VALUES
    ('billing-migration', 'Consolidate billing', 'PRJ-1'),
    ('crm-sunset', 'Retire legacy CRM', 'PRJ-2'),
    ('access-review', 'Harden staging access', 'PRJ-3')
ON CONFLICT (name) DO NOTHING;
INSERT INTO vh.tasks (project_ref, summary, done) VALUES
    ('PRJ-1', 'map invoice tables', true),
    ('PRJ-1', 'dual-write period', false),
    ('PRJ-2', 'export contacts', false),
    ('PRJ-2', 'switch off sync', false),
    ('PRJ-3', 'rotate service credentials', true),
    ('PRJ-3', 'expire automation roles', false);
