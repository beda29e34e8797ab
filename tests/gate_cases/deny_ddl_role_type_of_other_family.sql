-- role: eng_service
-- expect: cross-boundary-write role-allowlist
-- a column of a vh type makes eng depend on vh
CREATE TABLE eng.t (s vh.status);
