-- role: eng_service
-- expect: rls-required
CREATE TABLE eng.tokens_2026 PARTITION OF eng.user_tokens FOR VALUES FROM (1) TO (100);
