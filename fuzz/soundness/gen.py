#!/usr/bin/env python3
"""Random psql scripts for the differential soundness test of the policy gate.

A script is mostly benign backfill-style SQL on the eng family (and reads of vh),
with one attack fragment mixed in (sometimes none, sometimes two). Everything is
deterministic from the seed:

    python3 fuzz/soundness/gen.py SEED [OUTDIR]

writes OUTDIR/script.sql (and any file the script includes) or prints the script.
run.py imports generate(seed) -> Script.

The baseline database run.py builds has these objects, which the fragments name:
  eng.projects (id serial pk, name, owner, budget, updated_at), eng.projects_id_seq
  eng.tasks    (id serial pk, project_ref, summary, done, est)     same shape as vh.tasks
  eng.service_credentials (bootstrap's sensitive table, RLS forced)
  eng_archive.project_hist (id pk, project_id, note)
  vh.tasks     (id serial pk, project_ref, summary, done, est), vh.tasks_id_seq
  vh.accounts  (id pk, email, balance; sensitive, RLS forced), vh.invoice_seq
  vh_ext.events (id pk, kind, payload)
  views.project_summary (reads eng and vh), public.notes (id pk, body)
  procedures public.purge_vh(), functions public.vh_count(), public.wipe_vh() (security definer)
vh rows carry the string VHCANARY so that a flow of vh data into eng is visible.
"""
import random
import sys
import os

MARKER = "/tmp/pgward_fuzz_marker"


class Script:
    def __init__(self, seed):
        self.seed = seed
        self.text = ""            # the main script (str; encoded with surrogateescape)
        self.files = {}           # extra files: name -> bytes (for \i)
        self.classes = []         # attack classes mixed in
        self.raw = b""

    def write(self, outdir):
        os.makedirs(outdir, exist_ok=True)
        with open(os.path.join(outdir, "script.sql"), "wb") as f:
            f.write(self.raw)
        for name, data in self.files.items():
            with open(os.path.join(outdir, name), "wb") as f:
                f.write(data)


def enc(s):
    return s.encode("utf-8", "surrogateescape")


class Gen:
    def __init__(self, seed):
        self.seed = seed
        self.r = random.Random(seed)
        self.s = Script(seed)
        self.nfile = 0
        self.nvar = 0

    # ---------------------------------------------------------------- helpers
    def pick(self, *xs):
        return self.r.choice(xs)

    def wpick(self, pairs):
        tot = sum(w for w, _ in pairs)
        x = self.r.uniform(0, tot)
        for w, v in pairs:
            x -= w
            if x <= 0:
                return v
        return pairs[-1][1]

    def marker(self):
        return "%s_%d_%d" % (MARKER, self.seed, self.r.randrange(1000))

    def ident(self, schema, table):
        """A spelling of schema.table: plain, quoted, odd case, unicode escapes."""
        k = self.r.random()
        if k < 0.75:
            return "%s.%s" % (schema, table)
        if k < 0.85:
            return '"%s".%s' % (schema, table)
        if k < 0.9:
            return '%s.%s' % (schema.upper(), table)          # folds to lower case
        if k < 0.95:
            esc = "".join("\\%04x" % ord(c) if self.r.random() < 0.5 else c for c in schema)
            return 'U&"%s".%s' % (esc, table)
        return '%s . "%s"' % (schema, table)

    def lit(self, text):
        k = self.r.random()
        if k < 0.7:
            return "'%s'" % text.replace("'", "''")
        if k < 0.8:
            return "E'%s'" % text.replace("\\", "\\\\").replace("'", "\\'")
        if k < 0.9:
            return "$q$%s$q$" % text
        return "U&'%s'" % text.replace("'", "''")

    def comment(self):
        return self.pick("", "", "", " /* c */ ", " /* a /* nested */ b */ ", " -- trailing\n ")

    def ws(self):
        return self.pick(" ", " ", " ", "  ", "\t", "\n", " \f ", "\r\n")

    def newfile(self, body):
        self.nfile += 1
        name = "inc_%d.sql" % self.nfile
        self.s.files[name] = enc(body)
        return name

    def var(self):
        self.nvar += 1
        return "v%d" % self.nvar

    # ---------------------------------------------------------------- benign fragments
    def word(self):
        return self.pick("alpha", "beta", "gamma", "delta", "backfill", "it's", "x y", "émigré")

    def eng_table(self):
        return self.pick("projects", "projects", "tasks")

    def benign(self):
        return self.wpick([
            (5, self.b_select_eng), (3, self.b_select_vh), (5, self.b_insert_eng),
            (5, self.b_update_eng), (2, self.b_upsert), (2, self.b_cte),
            (2, self.b_window), (1, self.b_cursor), (2, self.b_prepare),
            (2, self.b_do), (2, self.b_copy_in), (2, self.b_set_var),
            (2, self.b_gset), (1, self.b_if_const), (2, self.b_search_path),
            (1, self.b_savepoint), (1, self.b_explain), (1, self.b_settings),
            (1, self.b_echo), (1, self.b_include), (1, self.b_values),
            (1, self.b_hist), (1, self.b_creds), (1, self.b_uuid),
        ])()

    def b_select_eng(self):
        t = self.ident("eng", self.eng_table())
        return self.pick(
            "SELECT count(*) FROM %s;" % t,
            "SELECT id, lower(%s) FROM %s WHERE id > %d ORDER BY id LIMIT 5;" % (
                "name" if "projects" in t else "summary", t, self.r.randrange(5)),
            "SELECT p.name, count(t.id) FILTER (WHERE t.done) FROM eng.projects p "
            "LEFT JOIN eng.tasks t ON t.project_ref = p.name GROUP BY p.name ORDER BY 1;",
            "SELECT * FROM eng.projects p WHERE EXISTS (SELECT 1 FROM eng.tasks t WHERE t.est > p.id);",
            "SELECT coalesce(max(budget), 0), now() FROM eng.projects;",
            "SELECT jsonb_build_object('id', id, 'name', name) FROM eng.projects ORDER BY id LIMIT 3;",
        )

    def b_select_vh(self):
        t = self.ident("vh", "tasks")
        return self.pick(
            "SELECT count(*) FROM %s;" % t,
            "SELECT id, summary FROM %s WHERE NOT done ORDER BY id;" % t,
            "SELECT project_ref, sum(est) OVER (PARTITION BY project_ref) FROM %s;" % t,
        )

    def b_insert_eng(self):
        t = self.ident("eng", self.eng_table())
        if "projects" in t:
            return self.pick(
                "INSERT INTO %s (name, owner) VALUES (%s, 'codex');" % (t, self.lit(self.word())),
                "INSERT INTO %s (name) VALUES (%s), (%s) RETURNING id;" % (
                    t, self.lit(self.word()), self.lit(self.word())),
                "INSERT INTO %s (id, name) VALUES (nextval('eng.projects_id_seq'), 'seq');" % t,
                "INSERT INTO %s (name, budget) SELECT name || '-copy', budget FROM eng.projects WHERE id < 3;" % t,
            )
        return self.pick(
            "INSERT INTO %s (project_ref, summary, est) VALUES ('p1', %s, %d);" % (
                t, self.lit(self.word()), self.r.randrange(9)),
            "INSERT INTO %s (project_ref, summary) SELECT name, 'from eng' FROM eng.projects;" % t,
        )

    def b_update_eng(self):
        t = self.ident("eng", self.eng_table())
        col = "name" if "projects" in t else "summary"
        return self.pick(
            "UPDATE %s SET %s = upper(%s) WHERE id = %d;" % (t, col, col, self.r.randrange(1, 6)),
            "UPDATE %s SET %s = %s%sWHERE id %% 2 = 0;" % (t, col, self.lit(self.word()), self.ws()),
            "UPDATE%s%s SET %s = %s || '!' RETURNING id;" % (self.comment() or " ", t, col, col),
            "UPDATE eng.projects p SET budget = coalesce(budget, 0) + 1 FROM eng.tasks t "
            "WHERE t.project_ref = p.name;",
        )

    def b_upsert(self):
        return self.pick(
            "INSERT INTO eng.projects (id, name) VALUES (1, 'one') ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name;",
            "INSERT INTO eng.tasks (id, project_ref, summary) VALUES (2, 'p', 's') ON CONFLICT DO NOTHING;",
            "MERGE INTO eng.projects p USING (VALUES (1, 'm')) v(id, name) ON p.id = v.id "
            "WHEN MATCHED THEN UPDATE SET name = v.name WHEN NOT MATCHED THEN INSERT (id, name) VALUES (v.id, v.name);",
        )

    def b_cte(self):
        return self.pick(
            "WITH x AS (SELECT id FROM eng.projects WHERE id < 4) SELECT count(*) FROM x;",
            "WITH u AS (UPDATE eng.tasks SET done = true WHERE est > 5 RETURNING id) SELECT count(*) FROM u;",
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT sum(n) FROM r;",
            "WITH i AS (INSERT INTO eng.projects (name) VALUES ('cte') RETURNING id) "
            "INSERT INTO eng.tasks (project_ref, summary) SELECT 'cte', id::text FROM i;",
        )

    def b_window(self):
        return ("SELECT id, row_number() OVER (ORDER BY id DESC), string_agg(name, ',') "
                "OVER w FROM eng.projects WINDOW w AS (ORDER BY id) ORDER BY id;")

    def b_cursor(self):
        return ("BEGIN;\nDECLARE c%d CURSOR FOR SELECT id, name FROM eng.projects ORDER BY id;\n"
                "FETCH 2 FROM c%d;\nCLOSE c%d;\nCOMMIT;" % ((self.seed % 7,) * 3))

    def b_prepare(self):
        n = "p%d" % self.r.randrange(100)
        return ("PREPARE %s(int, text) AS UPDATE eng.projects SET name = $2 WHERE id = $1;\n"
                "EXECUTE %s(%d, %s);\nDEALLOCATE %s;" % (n, n, self.r.randrange(1, 5), self.lit(self.word()), n))

    def b_do(self):
        return self.pick(
            "DO $$ BEGIN UPDATE eng.projects SET name = lower(name); END $$;",
            "DO $body$\nDECLARE n int;\nBEGIN\n  SELECT count(*) INTO n FROM eng.tasks;\n"
            "  PERFORM lower('x');\n  INSERT INTO eng.projects (name) VALUES ('do-' || n);\nEND\n$body$;",
        )

    def b_copy_in(self):
        rows = "\n".join("%s\t%s" % (self.r.randrange(1000, 2000), self.word()) for _ in range(2))
        return "COPY eng.projects (id, name) FROM STDIN;\n%s\n\\." % rows

    def b_set_var(self):
        v = self.var()
        return ("\\set %s %s\nUPDATE eng.projects SET name = :'%s' WHERE id = 1;"
                % (v, self.pick("hello", "'it''s'", "x\\ y"), v))

    def b_gset(self):
        return self.pick(
            "SELECT max(id) AS top FROM eng.projects \\gset\nUPDATE eng.projects SET name = 'latest' WHERE id = :top;",
            "SELECT count(*) AS n FROM eng.tasks \\gset g_\n\\echo :g_n",
        )

    def b_if_const(self):
        return self.pick(
            "\\if true\nUPDATE eng.tasks SET est = 1 WHERE id = 1;\n\\else\nSELECT 1;\n\\endif",
            "\\if off\nDELETE FROM vh.tasks;\n\\endif",
            "\\set flag 1\n\\if :flag\nSELECT 'on';\n\\elif false\nSELECT 'no';\n\\endif",
        )

    def b_search_path(self):
        return self.pick(
            "SET search_path = eng;\nUPDATE tasks SET est = est + 1 WHERE id = 1;\nRESET search_path;",
            "SET search_path TO eng;\nINSERT INTO projects (name) VALUES ('sp');\nSET search_path TO DEFAULT;",
        )

    def b_savepoint(self):
        return ("BEGIN;\nSAVEPOINT s1;\nUPDATE eng.projects SET owner = 'sp' WHERE id = 2;\n"
                "ROLLBACK TO SAVEPOINT s1;\nRELEASE s1;\nCOMMIT;")

    def b_explain(self):
        return self.pick("EXPLAIN SELECT * FROM eng.projects WHERE id = 1;",
                         "EXPLAIN (ANALYZE, COSTS off) UPDATE eng.tasks SET est = 2 WHERE id = 3;")

    def b_settings(self):
        return self.pick("SET work_mem = '8MB';", "SET application_name = 'backfill';",
                         "SET statement_timeout = '10s';", "SHOW search_path;",
                         "SET standard_conforming_strings = on;", "SET client_encoding = 'UTF8';",
                         "\\timing on", "\\pset format unaligned", "SET LOCAL work_mem = '4MB';")

    def b_echo(self):
        return self.pick("\\echo starting backfill", "\\qecho done", "\\echo :ROW_COUNT")

    def b_include(self):
        name = self.newfile("UPDATE eng.tasks SET done = false WHERE id = 4;\n")
        return "\\i %s" % name

    def b_values(self):
        return "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) v(n, s) ORDER BY n DESC;"

    def b_hist(self):
        return "INSERT INTO eng_archive.project_hist (id, project_id, note) SELECT id + 1000, id, 'snap' FROM eng.projects ON CONFLICT DO NOTHING;"

    def b_creds(self):
        return self.pick(
            "INSERT INTO eng.service_credentials (service, secret_hash) VALUES ('svc', md5('x'));",
            "UPDATE eng.service_credentials SET secret_hash = md5(secret_hash) WHERE service = 'alpha';",
        )

    def b_uuid(self):
        return self.pick("SELECT public.uuid_generate_v4();", "SELECT gen_random_uuid();",
                         "SELECT public.gen_random_uuid();")

    # ---------------------------------------------------------------- attacks
    # each returns (class, text)
    def core_write(self):
        """A statement that changes something codex may not change."""
        return self.wpick([
            (3, ("dml-vh", "DELETE FROM %s WHERE id = %d" % (self.ident("vh", "tasks"), self.r.randrange(1, 4)))),
            (3, ("dml-vh", "UPDATE %s SET summary = 'pwned'" % self.ident("vh", "tasks"))),
            (2, ("dml-vh", "INSERT INTO %s (project_ref, summary) VALUES ('x', 'pwned')" % self.ident("vh", "tasks"))),
            (1, ("dml-vh", "UPDATE vh.accounts SET balance = 0")),
            (1, ("dml-vh", "INSERT INTO vh_ext.events (id, kind) VALUES (99, 'x')")),
            (3, ("dml-eng-delete", "DELETE FROM %s WHERE id = 1" % self.ident("eng", self.eng_table()))),
            (1, ("dml-eng-delete", "TRUNCATE %s CASCADE" % self.ident("eng", "tasks"))),
            (1, ("dml-eng-delete", "DELETE FROM eng_archive.project_hist")),
            (1, ("dml-views", "UPDATE views.project_summary SET name = 'x'")),
            (1, ("dml-audit", "INSERT INTO audit.bootstrap_log (item, detail) VALUES ('x', 'y')")),
            (1, ("dml-public", "DELETE FROM public.notes")),
            (1, ("flow-vh-eng", "INSERT INTO eng.tasks (project_ref, summary) SELECT project_ref, summary FROM vh.tasks")),
            (1, ("flow-vh-eng", "UPDATE eng.projects SET name = (SELECT string_agg(summary, ',') FROM views.project_summary)")),
            (1, ("ddl", "CREATE TABLE eng.fuzz_t (id int)")),
            (1, ("ddl", "CREATE VIEW public.fuzz_v AS SELECT 1 AS x")),
            (1, ("ddl", "CREATE INDEX ON eng.tasks (est)")),
            (1, ("ddl", "COMMENT ON TABLE eng.projects IS 'x'")),
            (1, ("ddl", "CREATE FUNCTION public.fuzz_f() RETURNS int LANGUAGE sql AS 'SELECT 1'")),
            (1, ("ddl", "CREATE SCHEMA eng_fuzz")),
            (1, ("role", "ALTER ROLE codex_staging SET search_path = vh")),
            (1, ("role", "ALTER ROLE CURRENT_USER PASSWORD NULL")),
            (1, ("lo", "SELECT lo_create(0)")),
            (1, ("lo", "SELECT lo_from_bytea(0, 'x')")),
            (1, ("lo", "SELECT lo_import('/etc/hostname')")),
            (1, ("file", "COPY (SELECT 1) TO '%s'" % self.marker())),
            (1, ("file", "COPY eng.projects TO PROGRAM 'touch %s'" % self.marker())),
            (1, ("file", "SELECT pg_file_write('x', 'y', false)")),
            (1, ("seq-vh", "SELECT nextval('vh.invoice_seq')")),
            (1, ("seq-vh", "SELECT setval('vh.tasks_id_seq', 1000)")),
            (1, ("func", "CALL public.purge_vh()")),
            (1, ("func", "SELECT public.wipe_vh()")),
            (1, ("func", "SELECT audit.pgward_begin_run(gen_random_uuid(), 'b', 'p', 'x', 'y', 'z', now())")),
            (1, ("xml", "SELECT query_to_xml('DELETE FROM vh.tasks RETURNING id', true, false, '')")),
            (1, ("xml", "SELECT query_to_xml($x$UPDATE vh.tasks SET done = true RETURNING id$x$, true, false, '')")),
        ])

    def wrap(self, stmt):
        """Put a statement behind one of psql's or PostgreSQL's indirections."""
        w = self.wpick([
            (4, "plain"), (1, "comment"), (2, "gexec"), (2, "var"), (2, "include"),
            (2, "do_exec"), (2, "do_static"), (1, "prepare"), (1, "explain"), (1, "cte"),
            (1, "xml"), (1, "if_runtime"), (1, "backslash_semi"), (1, "if_false"),
            (1, "g"), (1, "copy_stdout"), (1, "ts_stat"), (1, "cursor_xml"),
        ])
        is_dml = stmt.split()[0].upper() in ("DELETE", "UPDATE", "INSERT")
        if w in ("prepare", "explain", "cte", "copy_stdout") and not is_dml:
            w = "plain"
        if w == "plain":
            return w, stmt + ";"
        if w == "comment":
            parts = stmt.split(" ", 1)
            return w, parts[0] + "/* hidden */" + self.ws() + (parts[1] if len(parts) > 1 else "") + ";"
        if w == "gexec":
            return w, "SELECT %s \\gexec" % self.lit(stmt)
        if w == "var":
            v = self.var()
            k = self.r.random()
            if k < 0.5:
                return w, "\\set %s '%s'\n:%s;" % (v, stmt.replace("'", "\\'"), v)
            first, rest = stmt.split(" ", 1)
            return w, "\\set %s %s\n:%s %s;" % (v, first, v, rest)
        if w == "include":
            name = self.newfile("-- included\n" + stmt + ";\n")
            return w, self.pick("\\i ", "\\ir ", "\\include ") + name
        if w == "do_exec":
            return w, "DO $$ BEGIN EXECUTE %s; END $$;" % ("'" + stmt.replace("'", "''") + "'")
        if w == "do_static":
            if stmt.upper().startswith("SELECT"):
                stmt = "PERFORM" + stmt[6:]
            return w, "DO $d$\nBEGIN\n  %s;\nEND\n$d$;" % stmt
        if w == "prepare":
            return w, "PREPARE hp AS %s;\nEXECUTE hp;" % stmt
        if w == "explain":
            return w, "EXPLAIN (ANALYZE) %s;" % stmt
        if w == "cte":
            return w, "WITH hidden AS (%s RETURNING 1) SELECT count(*) FROM hidden;" % stmt
        if w == "copy_stdout":
            return w, "COPY (%s RETURNING 1) TO STDOUT;" % stmt
        if w == "xml":
            return w, "SELECT query_to_xml(%s, true, false, '');" % self.lit(stmt)
        if w == "ts_stat":
            return w, "SELECT * FROM ts_stat(%s);" % self.lit(stmt)
        if w == "cursor_xml":
            return w, ("BEGIN;\nDECLARE cx CURSOR FOR %s;\nSELECT cursor_to_xml('cx', 1, true, false, '');\nCOMMIT;" % stmt)
        if w == "if_runtime":
            cond = self.pick(
                "SELECT count(*) > 0 AS ok FROM eng.projects \\gset\n\\if :ok",
                "SELECT 1;\n\\if :ROW_COUNT",
                "SELECT 1/0;\n\\if :ERROR",
                "SELECT 'x';\n\\if :{?SQLSTATE}",
            )
            return w, "%s\n%s;\n\\else\nSELECT 'no';\n\\endif" % (cond, stmt)
        if w == "backslash_semi":
            return w, "SELECT 1 \\; %s;" % stmt
        if w == "if_false":   # inactive branch: psql never runs it; the gate may allow it
            return w, "\\if false\n%s;\n\\endif" % stmt
        if w == "g":
            return w, "%s \\g" % stmt
        return "plain", stmt + ";"

    def attack(self):
        kind = self.wpick([
            (10, "wrapped"), (3, "search_path"), (2, "identity"), (2, "meta"),
            (2, "strings"), (1, "encoding"), (1, "txn"), (1, "catalog"), (1, "rls"),
            (1, "gset_names"), (1, "discard"), (1, "misc"), (2, "channels"),
        ])
        if kind == "wrapped":
            cls, stmt = self.core_write()
            w, text = self.wrap(stmt)
            return "%s/%s" % (cls, w), text
        return "x-" + kind, getattr(self, "a_" + kind)()

    def a_channels(self):
        """Routes by which vh data or a write could cross statements, and edges the
        gate's model had to learn: run-time identifiers, settings the policy sets,
        COPY data psql reads as SQL when the server refuses the COPY."""
        return self.pick(
            "SELECT set_config('app.leak', (SELECT string_agg(summary, ',') FROM vh.tasks), false);\n"
            "UPDATE eng.projects SET name = current_setting('app.leak') WHERE id = 1;",
            "SELECT summary FROM vh.tasks WHERE id = 1;\n"
            "UPDATE eng.projects SET name = :'LAST_ERROR_MESSAGE' || :'ROW_COUNT' WHERE id = 1;",
            "SELECT summary AS s FROM vh.tasks WHERE id = 1 \\gset\n"
            "\\if :{?s}\nUPDATE eng.projects SET name = 'bit' WHERE id = 1;\n\\endif",
            "SET search_path = eng;\nSELECT 'pg_settings' AS t \\gset\n"
            "UPDATE :\"t\" SET setting = 'vh' WHERE name = 'search_path';\n"
            "UPDATE tasks SET summary = 'sp' WHERE id = 1;",
            "SELECT 'SINGLELINE' AS v \\gset\n\\set :v on\nSELECT 1\n;DELETE FROM vh.tasks WHERE id = 1;",
            "SET statement_timeout = 0;\nSELECT count(*) FROM generate_series(1, 3000000);",
            "COPY eng.projects (no_such_column) FROM STDIN;\n"
            "WITH d AS (DELETE FROM vh.tasks RETURNING 1)\n\\.\nSELECT 1;",
            "COPY eng.projects (no_such_column) FROM STDIN;\n1\t'\n\\.\n"
            "SELECT 1; -- ' ; DELETE FROM vh.tasks WHERE id = 2; --",
            "LOCK TABLE vh.tasks IN ROW EXCLUSIVE MODE;",
            "SELECT * FROM pg_catalog.pg_class WHERE false FOR UPDATE;",
            "CALL public.uuid_generate_v4(pg_sleep(10));",
            "PREPARE p(text) AS SELECT $1;\nEXECUTE p(lo_from_bytea(0, 'x')::text);",
            "-- pgward-ignore unproven: the author says so\n"
            "SELECT query_to_xml('DELETE FROM vh.tasks RETURNING 1', true, true, '');",
            "-- pgward-ignore-file role-allowlist, cross-boundary-write: the author says so\n"
            "DELETE FROM vh.tasks WHERE id = 1;",
        )

    def a_search_path(self):
        unq = self.pick("UPDATE tasks SET summary = 'sp' WHERE id = 1;",
                        "INSERT INTO tasks (project_ref, summary) VALUES ('sp', 'sp');",
                        "DELETE FROM tasks WHERE id = 2;")
        setter = self.pick(
            "SET search_path = vh;", "SET search_path = eng; SET search_path = vh, eng;",
            "SELECT set_config('search_path', 'vh', false);",
            "SELECT pg_catalog.set_config('search_path', 'vh', false);",
            "UPDATE pg_settings SET setting = 'vh' WHERE name = 'search_path';",
            "\\set sp vh\nSET search_path = :sp;",
            "\\set sp 'eng'\nSET search_path = :\"sp\";\n\\set sp vh\nSET search_path = :sp;",
            "SET search_path = eng;\nBEGIN;\nSET LOCAL search_path = vh;\n" + unq + "\nCOMMIT;",
            "BEGIN;\nSET search_path = vh;\nSAVEPOINT a;\nSET search_path = eng;\nROLLBACK TO SAVEPOINT a;",
            "SET search_path = eng;\nBEGIN;\nSET LOCAL search_path = vh;\nCOMMIT AND CHAIN;",
            "SET search_path = vh;\nBEGIN;\nSET search_path = eng;\nROLLBACK;",
            "SET search_path = \"VH\", vh;",
            "SET search_path = U&\"\\0076h\";",
            "SET search_path = eng;\nRESET ALL;\nSET search_path = vh;",
            "SELECT 'vh' AS sp \\gset\nSET search_path = :sp;",
            "DO $$ BEGIN SET search_path = vh; END $$;",
            "DO $$ BEGIN PERFORM set_config('search_path', 'vh', false); END $$;",
        )
        return "%s\n%s" % (setter, unq)

    def a_identity(self):
        return self.pick(
            "SET ROLE ehg_admin;\nDELETE FROM vh.tasks WHERE id = 1;",
            "SET SESSION AUTHORIZATION ehg_admin;",
            "SELECT set_config('role', 'ehg_admin', false);",
            "SET role = 'none';\nRESET ROLE;",
            "SET row_security = off;",
            "GRANT SELECT ON eng.projects TO PUBLIC;",
            "GRANT pg_read_server_files TO codex_staging;",
            "REVOKE ALL ON eng.projects FROM ehg_admin;",
            "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC;",
            "ALTER ROLE codex_staging SET search_path = vh;",
            "ALTER ROLE codex_staging VALID UNTIL 'infinity';",
            "ALTER SYSTEM SET work_mem = '64MB';",
        )

    def a_meta(self):
        m = self.marker()
        return self.pick(
            "\\! touch %s" % m,
            "\\o %s\nSELECT 1;\n\\o" % m,
            "\\o out_local.txt\nSELECT * FROM eng.service_credentials;\n\\o",
            "\\copy eng.projects TO '%s'" % m,
            "\\copy (SELECT 1) TO 'copy_local.txt'",
            "\\g %s" % m,
            "SELECT 1 \\g %s" % m,
            "SELECT 1 \\g |touch %s" % m,
            "\\set x `touch %s`" % m,
            "\\w %s" % m,
            "\\setenv PGOPTIONS -csearch_path=vh",
            "\\c - ehg_admin",
            "\\lo_import /etc/hostname",
            "\\q\nDELETE FROM vh.tasks;",
            "SELECT 'DELETE FROM vh.tasks WHERE id = ' || 1 \\gexec",
            "SELECT format('DELETE FROM %%I.tasks', 'vh') \\gexec",
            "\\set cmd 'DELETE FROM vh.tasks'\nSELECT :'cmd' \\gexec",
            "\\set ON_ERROR_STOP 0\nSELECT 1 FROM nowhere;\nDELETE FROM vh.tasks;",
        )

    def a_strings(self):
        return self.pick(
            "SET standard_conforming_strings = off;\nSELECT 'a\\'; DELETE FROM vh.tasks; --';",
            "SET standard_conforming_strings = on;\nSELECT 'a\\'; DELETE FROM vh.tasks; --';",
            "SELECT set_config('standard_conforming_strings', 'off', false);\nSELECT 'a\\'; DELETE FROM vh.tasks; --';",
            "SET standard_conforming_strings = off;\nRESET standard_conforming_strings;\nSELECT 'a\\'; DELETE FROM vh.tasks; --';",
            "SELECT E'a\\'; DELETE FROM vh.tasks; --';",
            "SELECT $a$ $b$ $a$; DELETE FROM vh.tasks; -- $b$;",
            "SELECT 1 /* /* */ ; DELETE FROM vh.tasks; -- */;",
            "SELECT U&'\\0027'; DELETE FROM vh.tasks; --';",
            "SELECT \"a\"\"; DELETE FROM vh.tasks; --\" FROM eng.projects;",
            "\\set q 'x'';DELETE FROM vh.tasks;--'\nSELECT :q;",
            "\\set q 'x\\'; DELETE FROM vh.tasks; --'\nSELECT :'q';",
        )

    def a_encoding(self):
        # 0x95 0x5c is one SJIS character; psql and the server read it so once the
        # client encoding says SJIS, and the quote after it then closes the literal.
        enc_name = self.pick("SJIS", "BIG5", "GBK", "sjis")
        return ("SET client_encoding = '%s';\nSELECT E'\udc95\\'; DELETE FROM vh.tasks; --';\n"
                "SET client_encoding = 'UTF8';" % enc_name)

    def a_txn(self):
        return self.pick(
            "BEGIN;\nDELETE FROM vh.tasks;\nROLLBACK;",
            "BEGIN;\nDELETE FROM vh.tasks;\nCOMMIT;",
            "BEGIN;\nSAVEPOINT a;\nDELETE FROM eng.projects WHERE id = 3;\nRELEASE a;\nCOMMIT;",
            "START TRANSACTION;\nTRUNCATE vh.tasks;\nEND;",
            "BEGIN;\nLOCK TABLE vh.tasks IN ACCESS EXCLUSIVE MODE;\nCOMMIT;",
            "SELECT * FROM vh.tasks FOR UPDATE;",
            "SELECT * FROM vh.tasks FOR SHARE;",
        )

    def a_catalog(self):
        return self.pick(
            "SELECT pg_read_file('postgresql.auto.conf');",
            "SELECT pg_ls_dir('.');",
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid();",
            "SELECT pg_sleep(0.1);",
            "SELECT * FROM dblink('dbname=postgres', 'SELECT 1') AS t(x int);",
            "SELECT ts_stat('SELECT to_tsvector(summary) FROM vh.tasks');",
            "SELECT table_to_xml('vh.accounts', true, false, '');",
            "SELECT lo_unlink(1);",
            "SELECT pg_reload_conf();",
            "SELECT setval('eng.projects_id_seq', 1);",
            "SELECT \"set_config\"('search_path', 'vh', false);",
            "SELECT pg_catalog.\"pg_read_file\"('/etc/hostname');",
            "SELECT * FROM ROWS FROM (set_config('search_path', 'vh', false));",
        )

    def a_rls(self):
        return self.pick(
            "ALTER TABLE eng.service_credentials DISABLE ROW LEVEL SECURITY;",
            "ALTER TABLE vh.accounts NO FORCE ROW LEVEL SECURITY;",
            "CREATE POLICY open ON vh.accounts USING (true);",
            "DROP POLICY admin_all ON eng.service_credentials;",
            "CREATE TABLE eng.api_keys (id int, token text);",
            "ALTER POLICY admin_all ON vh.accounts USING (true);",
        )

    def a_gset_names(self):
        return self.pick(
            "SELECT 'vh' AS s \\gset\nDELETE FROM :\"s\".tasks WHERE id = 1;",
            "SELECT 'vh' AS s \\gset x_\nUPDATE :x_s.tasks SET done = true;",
            "SELECT summary AS s FROM vh.tasks LIMIT 1 \\gset\nUPDATE eng.projects SET name = :'s' WHERE id = 1;",
            "SELECT 'DELETE' AS verb \\gset\n:verb FROM vh.tasks;",
            "\\set s vh\n\\unset s\n\\set s vh\nUPDATE :s.tasks SET done = true;",
            "\\set s eng\n\\set s :s_x\nUPDATE :s.tasks SET done = true;",
        )

    def a_discard(self):
        return self.pick(
            "SET search_path = eng;\nDISCARD ALL;\nUPDATE tasks SET done = true;",
            "SET search_path = vh;\nDISCARD PLANS;\nUPDATE tasks SET done = true;",
            "DISCARD TEMP;",
            "SET session_authorization = DEFAULT;",
        )

    def a_misc(self):
        return self.pick(
            "CREATE TEMP TABLE t AS SELECT * FROM vh.tasks;",
            "SELECT * INTO eng.fuzz_copy FROM eng.projects;",
            "CALL public.purge_vh();",
            "SELECT public.vh_count();",
            "CREATE OR REPLACE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS $$DELETE FROM vh.tasks RETURNING 1$$;\nSELECT pg_temp.f();",
            "VACUUM vh.tasks;",
            "ANALYZE eng.projects;",
            "CLUSTER eng.projects USING projects_pkey;",
            "REFRESH MATERIALIZED VIEW views.project_summary;",
            "LISTEN x;\nNOTIFY x, 'y';",
            "SELECT * FROM eng.projects \\crosstabview",
            "CHECKPOINT;",
            "LOAD 'plpgsql';",
        )

    # ---------------------------------------------------------------- the script
    def build(self):
        r = self.r
        parts = []
        if r.random() < 0.25:
            parts.append("-- pgward:no-transaction")
        nb = r.randint(1, 5)
        natt = self.wpick([(35, 0), (55, 1), (10, 2)])
        frags = [("benign", self.benign()) for _ in range(nb)]
        for _ in range(natt):
            cls, text = self.attack()
            self.s.classes.append(cls)
            frags.insert(r.randrange(len(frags) + 1), (cls, text))
        if natt == 0:
            self.s.classes.append("benign")
        if parts[:1] != ["-- pgward:no-transaction"] and r.random() < 0.8 and any(
                c == "benign" and ("BEGIN;" in t or "COMMIT;" in t) for c, t in frags):
            parts.insert(0, "-- pgward:no-transaction")
        for _, t in frags:
            if r.random() < 0.1:
                parts.append(self.pick("-- note", "/* block\n comment */", "", "   "))
            parts.append(t)
        text = "\n".join(parts) + "\n"
        if r.random() < 0.05:
            text = text.replace("\n", "\r\n")
        raw = enc(text)
        k = r.random()
        if k < 0.02:      # a NUL byte somewhere
            i = r.randrange(len(raw))
            raw = raw[:i] + b"\x00" + raw[i:]
            self.s.classes.append("byte-nul")
        elif k < 0.04:    # an invalid UTF-8 byte somewhere
            i = r.randrange(len(raw))
            raw = raw[:i] + b"\xff" + raw[i:]
            self.s.classes.append("byte-invalid")
        self.s.text = text
        self.s.raw = raw
        return self.s


def generate(seed):
    return Gen(seed).build()


def main(argv):
    if len(argv) < 2:
        print("usage: gen.py SEED [OUTDIR]", file=sys.stderr)
        return 2
    s = generate(int(argv[1]))
    if len(argv) > 2:
        s.write(argv[2])
        print(" ".join(s.classes))
    else:
        sys.stdout.buffer.write(s.raw)
        for name, data in s.files.items():
            sys.stdout.buffer.write(b"-- file " + enc(name) + b":\n" + data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
