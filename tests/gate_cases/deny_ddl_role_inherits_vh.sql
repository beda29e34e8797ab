-- role: eng_service
-- expect: cross-boundary-write role-allowlist
CREATE TABLE eng.child () INHERITS (vh.tasks);
