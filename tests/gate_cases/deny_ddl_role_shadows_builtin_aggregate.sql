-- role: eng_service
-- expect: role-allowlist unproven
-- eng.sum(integer) would be used instead of pg_catalog.sum wherever eng comes first:
-- CREATE AGGREGATE is unproven for a restricted role whatever its name
CREATE AGGREGATE eng.sum(integer) (SFUNC = pg_catalog.int4pl, STYPE = integer);
