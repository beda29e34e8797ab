-- role: ehg_admin
-- expect: cross-boundary-write
-- a policy on an eng table whose expression reads vh
CREATE POLICY p ON eng.projects USING (EXISTS (SELECT 1 FROM vh.tasks t WHERE t.project_ref = name));
