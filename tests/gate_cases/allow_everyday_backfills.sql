-- role: codex_staging
-- expect: none
-- everyday backfill statements: batches, JSON, dates, strings, hashes, sequences
WITH batch AS (SELECT id FROM eng.projects WHERE name IS NULL ORDER BY id LIMIT 1000 FOR UPDATE SKIP LOCKED)
UPDATE eng.projects p SET name = 'unnamed' FROM batch WHERE p.id = batch.id;
UPDATE eng.projects SET meta = jsonb_set(coalesce(meta, '{}'::jsonb), '{migrated}', 'true'::jsonb) WHERE id BETWEEN 1 AND 100;
UPDATE eng.projects SET due = now() + interval '7 days' WHERE due IS NULL AND created_at < current_date - 30;
UPDATE eng.strategic_directives SET status = lower(trim(status)) WHERE status IS DISTINCT FROM lower(trim(status));
INSERT INTO eng.projects (id, name) VALUES (gen_random_uuid(), 'x') ON CONFLICT DO NOTHING;
\set batch 500
UPDATE eng.projects SET name = upper(name) WHERE id IN (SELECT id FROM eng.projects WHERE name ~ '^[a-z]' LIMIT :batch);
UPDATE eng.projects SET amount = round(amount::numeric, 2), code = nullif(trim(code), '') WHERE amount IS NOT NULL;
UPDATE eng.projects p SET name = v.name FROM (VALUES (1, 'alpha'), (2, 'beta')) AS v(id, name) WHERE p.id = v.id;
UPDATE eng.projects SET slug = regexp_replace(lower(name), '[^a-z0-9]+', '-', 'g'), month = to_char(created_at, 'YYYY-MM') WHERE slug IS NULL;
UPDATE eng.projects SET checksum = encode(sha256(convert_to(name, 'UTF8')), 'hex'), h = md5(name) WHERE checksum IS NULL;
SELECT setval('eng.projects_id_seq', (SELECT coalesce(max(id), 1) FROM eng.projects));
UPDATE eng.projects SET year = extract(year FROM created_at)::int, epoch = date_part('epoch', created_at), short = substring(name FROM 1 FOR 10), pos = position('x' IN name) WHERE year IS NULL;
UPDATE eng.projects SET tags = array_remove(string_to_array(tag_list, ','), '') WHERE tag_list LIKE '%%,%%' OR tag_list ILIKE 'x%%' OR name SIMILAR TO '%%(a|b)%%';
INSERT INTO eng.projects (name, meta) SELECT e->>'name', e FROM jsonb_array_elements('[{"name":"a"}]'::jsonb) AS e;
UPDATE eng.projects SET id2 = public.uuid_generate_v4() WHERE id2 IS NULL;
UPDATE eng.projects SET name = CASE WHEN name IS NULL THEN 'n/a' ELSE initcap(name) END, score = greatest(score, 0), flag = coalesce(flag, false) WHERE true;
UPDATE eng.projects SET name = overlay(name PLACING 'X' FROM 1 FOR 1), t = trim(both ' ' from name), c = CAST(code AS integer) WHERE id = ANY(ARRAY[1,2,3]);
UPDATE eng.projects SET name = format('%%s-%%s', name, id), l = length(name), o = octet_length(name), n = name || '-' || id::text WHERE id % 2 = 0;
SELECT date_trunc('day', created_at) AS d, count(*), avg(score), percentile_cont(0.5) WITHIN GROUP (ORDER BY score) FROM eng.projects GROUP BY 1 ORDER BY 1;
UPDATE eng.projects p SET owner_name = t.title FROM eng.tasks t WHERE t.project_id = p.id AND p.owner_name IS NULL;
UPDATE eng.projects SET ts = to_timestamp(epoch_col) AT TIME ZONE 'UTC', d = make_date(2026, 1, 1), i = age(now(), created_at) WHERE ts IS NULL;
