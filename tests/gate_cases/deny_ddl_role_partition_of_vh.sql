-- role: eng_service
-- expect: cross-boundary-write role-allowlist
CREATE TABLE eng.tasks_2026 PARTITION OF vh.tasks FOR VALUES FROM (1) TO (100);
