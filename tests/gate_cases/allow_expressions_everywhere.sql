-- role: codex_staging
-- expect: none
-- allowlisted built-ins in every expression position
UPDATE eng.projects SET name = initcap(name) WHERE id = 1 RETURNING id, upper(name);
SELECT count(*) FILTER (WHERE length(name) > 3), row_number() OVER (ORDER BY lower(name))
  FROM eng.projects GROUP BY name ORDER BY coalesce(name, '') LIMIT 5;
PREPARE q(int) AS SELECT name FROM eng.projects WHERE id = $1;
EXECUTE q(abs(-1));
VALUES (now(), gen_random_uuid()) ORDER BY 1;
