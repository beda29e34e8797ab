#!/usr/bin/env python3
"""Differential soundness test of pgward's policy gate (see README.md here).

Every generated script the gate allows for codex_staging is run by psql, as
codex_staging, on a fresh copy of a baseline database in which codex_staging holds
far more privileges than the policy grants; a snapshot of the database, the
cluster's roles and settings and the file system before and after shows whether the
script did anything the policy forbids. Anything it did is a finding.
"""
import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import gen  # noqa: E402

RUN_DB = "fuzz_run"
BASE_DB = "fuzz_base"
MARKER_GLOB_PREFIX = os.path.basename(gen.MARKER)

BASELINE_SQL = r"""
\set ON_ERROR_STOP 1
CREATE EXTENSION IF NOT EXISTS dblink SCHEMA public;
CREATE SCHEMA IF NOT EXISTS eng_archive AUTHORIZATION ehg_admin;
CREATE SCHEMA IF NOT EXISTS vh_ext AUTHORIZATION ehg_admin;
SET ROLE ehg_admin;
CREATE TABLE eng.projects (id serial PRIMARY KEY, name text NOT NULL, owner text,
                           budget numeric, updated_at timestamptz DEFAULT now());
CREATE TABLE eng.tasks (id serial PRIMARY KEY, project_ref text, summary text,
                        done boolean NOT NULL DEFAULT false, est int);
CREATE TABLE eng_archive.project_hist (id int PRIMARY KEY, project_id int, note text);
CREATE TABLE vh.tasks (id serial PRIMARY KEY, project_ref text, summary text,
                       done boolean NOT NULL DEFAULT false, est int);
CREATE TABLE vh.accounts (id int PRIMARY KEY, email text, balance numeric);
CREATE SEQUENCE vh.invoice_seq;
CREATE TABLE vh_ext.events (id int PRIMARY KEY, kind text, payload jsonb);
CREATE VIEW views.project_summary AS
    SELECT p.id, p.name, t.summary FROM eng.projects p LEFT JOIN vh.tasks t ON t.project_ref = p.name;
CREATE VIEW views.eng_projects AS SELECT * FROM eng.projects;
INSERT INTO eng.projects (name, owner, budget)
    SELECT 'proj' || g, 'owner' || g, g * 100 FROM generate_series(1, 5) g;
INSERT INTO eng.tasks (project_ref, summary, est)
    SELECT 'proj' || g, 'eng task ' || g, g FROM generate_series(1, 5) g;
INSERT INTO eng_archive.project_hist VALUES (1, 1, 'created'), (2, 2, 'created');
INSERT INTO eng.service_credentials (service, secret_hash)
    VALUES ('alpha', md5('alpha-secret')), ('beta', md5('beta-secret'));
INSERT INTO vh.tasks (project_ref, summary, est)
    SELECT 'proj' || g, 'VHCANARY task ' || g, g FROM generate_series(1, 5) g;
INSERT INTO vh.accounts SELECT g, 'VHCANARY' || g || '@example.org', g * 10 FROM generate_series(1, 3) g;
INSERT INTO vh_ext.events SELECT g, 'VHCANARY', '{}' FROM generate_series(1, 3) g;
SELECT nextval('vh.invoice_seq');
RESET ROLE;
CREATE TABLE public.notes (id int PRIMARY KEY, body text);
INSERT INTO public.notes VALUES (1, 'note one'), (2, 'note two');
CREATE PROCEDURE public.purge_vh() LANGUAGE sql AS $$ DELETE FROM vh.tasks WHERE id = 3 $$;
CREATE FUNCTION public.vh_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM vh.tasks $$;
CREATE FUNCTION public.wipe_vh() RETURNS void LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog AS $$ DELETE FROM vh_ext.events $$;
ALTER FUNCTION public.wipe_vh() OWNER TO ehg_admin;
SELECT audit.enforce_sensitive_rls(
    ARRAY['(?i)(password|secret|token|ssn|email|credential|api_key)'],
    ARRAY['(?i)(password|secret|token|ssn|email|credential|api_key)'], 'ehg_admin');
CREATE POLICY codex_all ON vh.accounts TO codex_staging USING (true) WITH CHECK (true);
CREATE POLICY codex_all ON eng.service_credentials TO codex_staging USING (true) WITH CHECK (true);

-- The deliberate excess: codex_staging may do nearly anything a non-owner can, so
-- that the gate is the only barrier between a script and the database.
GRANT ALL ON ALL TABLES IN SCHEMA eng, eng_archive, vh, vh_ext, views, audit, public TO codex_staging;
GRANT ALL ON ALL SEQUENCES IN SCHEMA eng, eng_archive, vh, vh_ext, views, audit, public TO codex_staging;
GRANT USAGE, CREATE ON SCHEMA eng, eng_archive, vh, vh_ext, views, audit, public TO codex_staging;
GRANT EXECUTE ON ALL ROUTINES IN SCHEMA pg_catalog, public, audit TO codex_staging;
GRANT pg_read_server_files, pg_write_server_files, pg_execute_server_program,
      pg_signal_backend TO codex_staging;

-- The oracle's own machinery, out of codex's reach.
CREATE SCHEMA fuzzlog;
CREATE TABLE fuzzlog.events (at timestamptz DEFAULT clock_timestamp(), op text, tab text, row_text text);
CREATE FUNCTION fuzzlog.note() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog AS $$
BEGIN
    INSERT INTO fuzzlog.events (op, tab, row_text)
        VALUES (TG_OP, TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME,
                CASE WHEN TG_LEVEL = 'ROW' THEN OLD::text END);
    RETURN NULL;
END $$;
DO $$
DECLARE t record;
BEGIN
    FOR t IN SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind = 'r' AND (n.nspname = 'eng' OR n.nspname ~ '^eng_') LOOP
        EXECUTE format('CREATE TRIGGER fuzz_del AFTER DELETE ON %I.%I FOR EACH ROW EXECUTE FUNCTION fuzzlog.note()', t.nspname, t.relname);
        EXECUTE format('CREATE TRIGGER fuzz_trunc AFTER TRUNCATE ON %I.%I FOR EACH STATEMENT EXECUTE FUNCTION fuzzlog.note()', t.nspname, t.relname);
    END LOOP;
END $$;

-- section, key, value rows; run.py compares them as sets.
CREATE FUNCTION fuzzlog.snapshot() RETURNS TABLE (section text, item text)
LANGUAGE plpgsql SET search_path = pg_catalog AS $fn$
DECLARE
    t record;
    pk text;
BEGIN
    FOR t IN SELECT c.oid, n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p', 'm', 'S') AND c.relpersistence <> 't'
               AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'fuzzlog')
               AND n.nspname NOT LIKE 'pg\_temp%' AND n.nspname NOT LIKE 'pg\_toast\_temp%'
             ORDER BY 2, 3 LOOP
        IF t.nspname = 'eng' OR t.nspname ~ '^eng_' THEN
            IF t.relkind = 'S' THEN CONTINUE; END IF;
            SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum) INTO pk
              FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
             WHERE i.indrelid = t.oid AND i.indisprimary;
            IF pk IS NOT NULL THEN
                RETURN QUERY EXECUTE format('SELECT ''engpk'', %L || '' '' || ROW(%s)::text FROM %I.%I',
                                            t.nspname || '.' || t.relname, pk, t.nspname, t.relname);
            END IF;
            RETURN QUERY EXECUTE format('SELECT ''canary'', %L || '' '' || x::text FROM %I.%I x WHERE x::text ~* ''vhcanary''',
                                        t.nspname || '.' || t.relname, t.nspname, t.relname);
        ELSIF t.relkind = 'S' THEN
            RETURN QUERY EXECUTE format('SELECT ''seq'', %L || '' '' || last_value || '' '' || is_called FROM %I.%I',
                                        t.nspname || '.' || t.relname, t.nspname, t.relname);
        ELSE
            RETURN QUERY EXECUTE format('SELECT ''row'', %L || '' '' || x::text || '' @'' || x.ctid || '' xmin '' || x.xmin || '' xmax '' || x.xmax FROM %I.%I x',
                                        t.nspname || '.' || t.relname, t.nspname, t.relname);
        END IF;
    END LOOP;
    RETURN QUERY SELECT 'event', e.op || ' ' || e.tab || ' ' || coalesce(e.row_text, '') FROM fuzzlog.events e;
END
$fn$;
"""

# (section, query) pairs: catalog rows that must not change; temp objects excluded.
NOTEMP = "NOT (%s::regnamespace::text LIKE 'pg\\_temp%%' OR %s::regnamespace::text LIKE 'pg\\_toast\\_temp%%')"
CATALOG_QUERIES = [
    ("pg_namespace", "SELECT nspname, nspowner::regrole, nspacl FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%temp%'"),
    ("pg_class", "SELECT relnamespace::regnamespace, relname, relkind, relowner::regrole, relacl, relrowsecurity,"
                 " relforcerowsecurity, reloptions, relpersistence, relfilenode, relhastriggers, relhasrules,"
                 " relreplident, relispartition, reltablespace FROM pg_class WHERE relpersistence <> 't'"
                 " AND " + NOTEMP % ("relnamespace", "relnamespace")),
    ("pg_attribute", "SELECT c.oid::regclass, attname, atttypid::regtype, attnum, attnotnull, atthasdef, attisdropped,"
                     " attacl, attoptions, attidentity, attgenerated FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
                     " WHERE c.relpersistence <> 't' AND " + NOTEMP % ("c.relnamespace", "c.relnamespace")),
    ("pg_proc", "SELECT pronamespace::regnamespace, proname, proargtypes::text, proowner::regrole, proacl, prosecdef,"
                " proconfig, md5(prosrc), prokind FROM pg_proc WHERE " + NOTEMP % ("pronamespace", "pronamespace")),
    ("pg_type", "SELECT typnamespace::regnamespace, typname, typowner::regrole, typacl FROM pg_type WHERE "
                + NOTEMP % ("typnamespace", "typnamespace")),
    ("pg_policy", "SELECT polrelid::regclass, polname, polcmd, polpermissive, polroles::regrole[],"
                  " pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid) FROM pg_policy"),
    ("pg_trigger", "SELECT t.tgrelid::regclass, t.tgname, t.tgenabled, t.tgfoid::regproc FROM pg_trigger t"
                   " JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relpersistence <> 't'"),
    ("pg_rewrite", "SELECT r.ev_class::regclass, r.rulename, r.ev_enabled, md5(r.ev_action::text) FROM pg_rewrite r"
                   " JOIN pg_class c ON c.oid = r.ev_class WHERE c.relpersistence <> 't'"),
    ("pg_constraint", "SELECT conrelid::regclass, contypid::regtype, conname, contype, pg_get_constraintdef(oid)"
                      " FROM pg_constraint WHERE " + NOTEMP % ("connamespace", "connamespace")),
    ("pg_index", "SELECT i.indexrelid::regclass, i.indrelid::regclass, i.indisvalid, i.indisprimary FROM pg_index i"
                 " JOIN pg_class c ON c.oid = i.indrelid WHERE c.relpersistence <> 't'"),
    ("pg_attrdef", "SELECT adrelid::regclass, adnum, pg_get_expr(adbin, adrelid) FROM pg_attrdef d"
                   " JOIN pg_class c ON c.oid = d.adrelid WHERE c.relpersistence <> 't'"),
    ("pg_sequence", "SELECT seqrelid::regclass, seqtypid, seqstart, seqincrement, seqmax, seqmin, seqcache, seqcycle"
                    " FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid WHERE c.relpersistence <> 't'"),
    ("pg_description", "SELECT classoid::regclass, objoid, objsubid, description FROM pg_description"),
    ("pg_default_acl", "SELECT defaclrole::regrole, defaclnamespace, defaclobjtype, defaclacl FROM pg_default_acl"),
    ("pg_largeobject_metadata", "SELECT oid, lomowner::regrole, lomacl FROM pg_largeobject_metadata"),
    ("pg_extension", "SELECT extname, extversion, extconfig FROM pg_extension"),
    ("pg_language", "SELECT lanname, lanacl FROM pg_language"),
    ("pg_operator", "SELECT oprnamespace::regnamespace, oprname, oprleft, oprright FROM pg_operator WHERE oprnamespace <> 11"),
    ("pg_cast", "SELECT castsource::regtype, casttarget::regtype, castfunc FROM pg_cast"),
    ("pg_collation", "SELECT collnamespace::regnamespace, collname FROM pg_collation WHERE collnamespace <> 11"),
    ("pg_conversion", "SELECT connamespace::regnamespace, conname FROM pg_conversion WHERE connamespace <> 11"),
    ("pg_statistic_ext", "SELECT stxname FROM pg_statistic_ext"),
    ("pg_event_trigger", "SELECT evtname, evtenabled FROM pg_event_trigger"),
    ("pg_publication", "SELECT pubname FROM pg_publication"),
    ("pg_foreign_server", "SELECT srvname, srvacl FROM pg_foreign_server"),
    ("pg_user_mapping", "SELECT umuser, umserver FROM pg_user_mapping"),
    ("pg_seclabel", "SELECT objoid, label FROM pg_seclabel"),
    ("pg_inherits", "SELECT inhrelid::regclass, inhparent::regclass FROM pg_inherits"),
    ("pg_ts_config", "SELECT cfgname FROM pg_ts_config WHERE cfgnamespace <> 11"),
    ("pg_opclass", "SELECT opcname FROM pg_opclass WHERE opcnamespace <> 11"),
    # cluster-wide
    ("g:pg_authid", "SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication,"
                    " rolbypassrls, rolconnlimit, md5(coalesce(rolpassword, '')), rolvaliduntil FROM pg_authid"),
    ("g:pg_auth_members", "SELECT roleid::regrole, member::regrole, grantor::regrole, admin_option FROM pg_auth_members"),
    ("g:pg_db_role_setting", "SELECT d.datname, setrole::regrole, setconfig FROM pg_db_role_setting s"
                             " LEFT JOIN pg_database d ON d.oid = s.setdatabase"),
    ("g:pg_database", "SELECT datname, datdba::regrole, datacl, datallowconn, datconnlimit, datistemplate FROM pg_database"),
    ("g:pg_tablespace", "SELECT spcname, spcowner::regrole, spcacl, spcoptions FROM pg_tablespace"),
    ("g:pg_parameter_acl", "SELECT parname, paracl FROM pg_parameter_acl"),
    ("g:pg_shdescription", "SELECT objoid, description FROM pg_shdescription"),
    ("g:pg_replication_slots", "SELECT slot_name FROM pg_replication_slots"),
]

SNAPSHOT_SQL = "\n".join(
    ["SELECT section || E'\\t' || item FROM fuzzlog.snapshot();"]
    + ["SELECT %s || E'\\t' || x::text FROM (%s) x;" % ("'" + sec + "'", q)
       for sec, q in CATALOG_QUERIES if not sec.startswith("g:")])
GLOBAL_SQL = "\n".join(
    "SELECT %s || E'\\t' || x::text FROM (%s) x;" % ("'" + sec + "'", q)
    for sec, q in CATALOG_QUERIES if sec.startswith("g:"))

# Data-folder entries that change on their own (WAL, statistics, relation files, ...).
DATA_CHURN = {"base", "global", "pg_wal", "pg_stat", "pg_stat_tmp", "pg_xact", "pg_multixact",
              "pg_subtrans", "pg_logical", "pg_notify", "pg_snapshots", "pg_serial", "pg_dynshmem",
              "pg_replslot", "log", "postmaster.pid", "postmaster.opts", "pg_commit_ts"}
DATA_WATCHED_FILES = ["postgresql.auto.conf", "postgresql.conf", "pg_hba.conf", "pg_ident.conf"]


class Stop(Exception):
    pass


def log(msg):
    print(time.strftime("%H:%M:%S ") + msg, flush=True)


class Harness:
    def __init__(self, args):
        self.a = args
        self.pgward = os.path.abspath(args.pgward)
        self.policy = os.path.abspath(args.policy)
        self.out = os.path.abspath(args.out)
        self.stage = os.path.abspath(args.stage_dir)
        self.work = os.path.join(self.out, "work")
        self.counts = {"generated": 0, "allowed": 0, "executed": 0, "findings": 0,
                       "timeouts": 0, "stage_rebuilds": 0}
        self.per_class = {}     # class -> [generated, allowed, findings]
        self.findings_by_kind = {}
        self.stage_up = False
        self.start = time.time()

    # ------------------------------------------------------------ processes
    def run(self, argv, check=True, **kw):
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)
        if check and p.returncode != 0:
            raise RuntimeError("%s failed (%d):\n%s" % (" ".join(argv), p.returncode,
                                                        p.stdout.decode(errors="replace")))
        return p

    def su_psql(self, db, sql, check=True, tuples=True):
        """psql as the cluster's superuser, through the stage's socket (peer auth)."""
        argv = ["runuser", "-u", "postgres", "--", os.path.join(self.bindir, "psql"), "-X", "-q",
                "-h", self.sockdir, "-p", str(self.port), "-U", "postgres", "-d", db,
                "-v", "ON_ERROR_STOP=1"]
        if tuples:
            argv += ["-A", "-t"]
        p = subprocess.run(argv, input=sql.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           cwd="/", timeout=300)
        if check and p.returncode != 0:
            raise RuntimeError("superuser psql on %s failed: %s" % (db, p.stderr.decode(errors="replace")))
        return p.stdout.decode(errors="replace")

    # ------------------------------------------------------------ stage
    def stage_setup(self):
        log("stage up in %s on port %d" % (self.stage, self.a.port))
        p = self.run([self.pgward, "stage", "up", "--policy", self.policy, "--dir", self.stage,
                      "--port", str(self.a.port)], check=False, cwd="/tmp")
        self.stage_up = True
        if p.returncode != 0:
            raise RuntimeError("stage up failed:\n" + p.stdout.decode(errors="replace"))
        with open(os.path.join(self.stage, "stage.json")) as f:
            st = json.load(f)
        self.bindir, self.pgdata, self.sockdir = st["bindir"], st["pgdata"], st["socket_dir"]
        self.port = st["port"]
        self.codex_env = {}
        with open(os.path.join(self.stage, ".env.staging")) as f:
            for line in f:
                if "=" in line and not line.startswith("#"):
                    k, v = line.rstrip("\n").split("=", 1)
                    if len(v) >= 2 and v[0] == v[-1] == "'":   # shell quoting
                        v = v[1:-1].replace("'\\''", "'")
                    self.codex_env[k] = v
        # the harness reaches the superuser over the socket by peer authentication
        hba = os.path.join(self.pgdata, "pg_hba.conf")
        with open(hba) as f:
            body = f.read()
        with open(hba, "w") as f:
            f.write("local all postgres peer\n" + body)
        self.run(["runuser", "-u", "postgres", "--", os.path.join(self.bindir, "pg_ctl"),
                  "reload", "-D", self.pgdata])
        # pg_ctl reload returns before the postmaster rereads pg_hba.conf: retry the
        # first connection until peer authentication answers
        for _ in range(200):
            p = subprocess.run(["runuser", "-u", "postgres", "--", os.path.join(self.bindir, "psql"),
                                "-X", "-h", self.sockdir, "-p", str(self.port), "-U", "postgres",
                                "-d", "staging", "-w", "-c", "SELECT 1"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd="/")
            if p.returncode == 0:
                break
        else:
            raise RuntimeError("cannot reach the superuser over the socket")
        self.su_psql("staging", BASELINE_SQL, tuples=False)
        self.su_psql("postgres", "CREATE DATABASE %s TEMPLATE staging;" % BASE_DB)
        self.global_ref = self.global_state()
        self.data_ref = self.data_listing()

    def stage_down(self):
        if self.stage_up and os.path.exists(os.path.join(self.stage, "stage.json")):
            self.run([self.pgward, "stage", "down", "--dir", self.stage], check=False, cwd="/tmp")
        self.stage_up = False

    def rebuild_stage(self):
        log("rebuilding the stage")
        self.counts["stage_rebuilds"] += 1
        self.stage_down()
        self.stage_setup()

    # ------------------------------------------------------------ snapshots
    def db_snapshot(self, db, sql=SNAPSHOT_SQL):
        rows = self.su_psql(db, sql).splitlines()
        snap = {}
        for r in rows:
            sec, _, item = r.partition("\t")
            snap.setdefault(sec, set()).add(item)
        return snap

    def global_state(self):
        return {k: v for k, v in self.db_snapshot("postgres", GLOBAL_SQL).items()}

    def data_listing(self):
        listing = {}
        for root, dirs, files in os.walk(self.pgdata):
            rel = os.path.relpath(root, self.pgdata)
            if rel == ".":
                dirs[:] = [d for d in dirs if d not in DATA_CHURN]
                files = [f for f in files if f not in DATA_CHURN]
            for f in files:
                path = os.path.normpath(os.path.join(rel, f))
                h = ""
                if path in DATA_WATCHED_FILES:
                    with open(os.path.join(root, f), "rb") as fh:
                        h = hashlib.sha256(fh.read()).hexdigest()[:16]
                listing[path] = h
            for d in dirs:
                listing[os.path.normpath(os.path.join(rel, d)) + "/"] = ""
        return listing

    def markers(self):
        found = []
        for d in ("/tmp", "/var/tmp", self.pgdata):
            try:
                for n in os.listdir(d):
                    if n.startswith(MARKER_GLOB_PREFIX):
                        found.append(os.path.join(d, n))
            except OSError:
                pass
        return found

    def scratch_listing(self, scratch):
        out = {}
        for root, dirs, files in os.walk(scratch):
            for f in files:
                out[os.path.relpath(os.path.join(root, f), scratch)] = os.path.getsize(os.path.join(root, f))
        return out

    # ------------------------------------------------------------ comparison
    @staticmethod
    def compare(before, after):
        """[(kind, text)] for every difference the policy forbids."""
        diffs = []
        for sec in sorted(set(before) | set(after)):
            b, a = before.get(sec, set()), after.get(sec, set())
            if sec == "engpk":
                for x in sorted(b - a):
                    diffs.append(("eng-row-deleted", x))
                continue
            if sec in ("canary", "event"):
                for x in sorted(a - b):
                    diffs.append(({"canary": "vh-data-in-eng", "event": "eng-delete-or-truncate"}[sec], x))
                continue
            kind = {"row": "row-changed", "seq": "sequence-changed"}.get(sec, "catalog-" + sec)
            for x in sorted(b - a):
                diffs.append((kind, "- " + x))
            for x in sorted(a - b):
                diffs.append((kind, "+ " + x))
        return diffs

    # ------------------------------------------------------------ one script
    def gate(self, scratch):
        p = subprocess.run([self.pgward, "lint", "--policy", self.policy, "--role", "codex_staging",
                            "script.sql"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           cwd=scratch, timeout=120)
        return p.returncode, p.stdout.decode(errors="replace")

    def run_codex(self, scratch):
        env = {"PATH": "/usr/bin:/bin", "HOME": scratch, "PGHOST": self.codex_env["PGHOST"],
               "PGPORT": self.codex_env["PGPORT"], "PGUSER": self.codex_env["PGUSER"],
               "PGPASSWORD": self.codex_env["PGPASSWORD"], "PGDATABASE": RUN_DB,
               "PGCONNECT_TIMEOUT": "10", "PGOPTIONS": "-c statement_timeout=5s -c lock_timeout=2s",
               "LANG": "C.UTF-8"}
        argv = [os.path.join(self.bindir, "psql"), "-X", "-f", "script.sql", "-v", "ON_ERROR_STOP=0"]
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             cwd=scratch, env=env, user="nobody", group="nogroup", start_new_session=True)
        try:
            out, _ = p.communicate(timeout=self.a.script_timeout)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, _ = p.communicate()
            rc = "timeout"
            self.counts["timeouts"] += 1
        return rc, out.decode(errors="replace")

    def one(self, seed, script=None, force=False):
        """Generate (or take) a script, gate it, run it if allowed; returns the findings."""
        s = script or gen.generate(seed)
        self.counts["generated"] += 1
        for c in s.classes:
            self.per_class.setdefault(c, [0, 0, 0])[0] += 1
        scratch = os.path.join(self.work, "s%d" % seed)
        shutil.rmtree(scratch, ignore_errors=True)
        s.write(scratch)
        rc, gate_out = self.gate(scratch)
        if rc != 0 and not force:
            shutil.rmtree(scratch, ignore_errors=True)
            return None
        if rc == 0:
            self.counts["allowed"] += 1
            for c in s.classes:
                self.per_class[c][1] += 1
        os.chmod(scratch, 0o777)
        before_files = self.scratch_listing(scratch)
        self.su_psql("postgres", "DROP DATABASE IF EXISTS %s WITH (FORCE);\n"
                     "CREATE DATABASE %s TEMPLATE %s;\n"
                     "GRANT CREATE, TEMP ON DATABASE %s TO codex_staging;" % (RUN_DB, RUN_DB, BASE_DB, RUN_DB))
        before = self.db_snapshot(RUN_DB)
        before.update(self.global_state())
        data_before = self.data_listing()
        psql_rc, psql_out = self.run_codex(scratch)
        self.last_psql = (psql_rc, psql_out)
        self.counts["executed"] += 1
        # end whatever codex left running before looking
        self.su_psql("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE usename = 'codex_staging';")
        after = self.db_snapshot(RUN_DB)
        after.update(self.global_state())
        diffs = self.compare(before, after)
        for m in self.markers():
            diffs.append(("file-created", m))
        data_after = self.data_listing()
        for path in sorted(set(data_before) | set(data_after)):
            if data_before.get(path) != data_after.get(path):
                diffs.append(("server-file", "%s: %s -> %s" % (path, data_before.get(path, "(none)"),
                                                               data_after.get(path, "(none)"))))
        after_files = self.scratch_listing(scratch)
        for f in sorted(set(after_files) - set(before_files)):
            diffs.append(("client-file", f))
        self.su_psql("postgres", "DROP DATABASE IF EXISTS %s WITH (FORCE);" % RUN_DB)
        if diffs:
            self.record(seed, s, rc, gate_out, psql_rc, psql_out, diffs)
        shutil.rmtree(scratch, ignore_errors=True)
        if diffs and any(k.startswith(("catalog-g:", "file-created", "server-file")) for k, _ in diffs):
            self.restore()
        return diffs

    def record(self, seed, s, gate_rc, gate_out, psql_rc, psql_out, diffs):
        self.counts["findings"] += 1
        for c in s.classes:
            self.per_class.setdefault(c, [0, 0, 0])[2] += 1
        kinds = sorted({k for k, _ in diffs})
        for k in kinds:
            self.findings_by_kind[k] = self.findings_by_kind.get(k, 0) + 1
        d = os.path.join(self.out, "findings", "seed-%d" % seed)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        s.write(d)
        with open(os.path.join(d, "gate.txt"), "w") as f:
            f.write("exit %s\n%s" % (gate_rc, gate_out))
        with open(os.path.join(d, "psql.txt"), "w") as f:
            f.write("exit %s\n%s" % (psql_rc, psql_out))
        with open(os.path.join(d, "diff.txt"), "w") as f:
            f.write("classes: %s\n" % " ".join(s.classes))
            for k, x in diffs:
                f.write("%s\t%s\n" % (k, x))
        with open(os.path.join(self.out, "findings.tsv"), "a") as f:
            f.write("%d\t%s\t%s\t%s\n" % (seed, " ".join(s.classes), ",".join(kinds),
                                          diffs[0][1].replace("\t", " ")[:200]))
        log("FINDING seed %d [%s] %s: %s" % (seed, " ".join(s.classes), ",".join(kinds), diffs[0][1][:160]))

    def restore(self):
        """Undo the cluster-wide changes a finding made, or rebuild the stage."""
        for m in self.markers():
            try:
                os.unlink(m)
            except OSError:
                pass
        pw = self.codex_env["PGPASSWORD"].replace("'", "''")
        self.su_psql("postgres", "ALTER ROLE codex_staging RESET ALL;\n"
                     "ALTER ROLE codex_staging PASSWORD '%s';\n"
                     "ALTER SYSTEM RESET ALL;\nSELECT pg_reload_conf();" % pw, check=False)
        now = self.global_state()
        ignore_pw = lambda st: {k: {x for x in v if not x.startswith("(codex_staging,")} for k, v in st.items()}
        if ignore_pw(now) != ignore_pw(self.global_ref) or \
                {k: v for k, v in self.data_listing().items()} != self.data_ref:
            self.rebuild_stage()

    # ------------------------------------------------------------ reporting
    def summary(self, final=False):
        c = self.counts
        mins = (time.time() - self.start) / 60
        line = ("%s%.1f min: generated %d, allowed %d (%.0f%%), executed %d, findings %d, timeouts %d, rebuilds %d"
                % ("FINAL " if final else "", mins, c["generated"], c["allowed"],
                   100.0 * c["allowed"] / max(1, c["generated"]), c["executed"], c["findings"],
                   c["timeouts"], c["stage_rebuilds"]))
        log(line)
        if final or self.a.verbose:
            for cls in sorted(self.per_class):
                g, a, f = self.per_class[cls]
                log("  class %-32s generated %5d allowed %5d findings %4d" % (cls, g, a, f))
            for k in sorted(self.findings_by_kind):
                log("  finding kind %-30s %d" % (k, self.findings_by_kind[k]))
        with open(os.path.join(self.out, "summary.json"), "w") as f:
            json.dump({"counts": c, "minutes": round(mins, 2), "per_class": self.per_class,
                       "findings_by_kind": self.findings_by_kind, "pgward": self.pgward,
                       "seed_start": self.a.seed}, f, indent=1, sort_keys=True)

    # ------------------------------------------------------------ self-test
    def self_test(self):
        """A script known to be harmful, forced past the gate, must be caught."""
        cases = [
            ("DELETE FROM eng.projects WHERE id = 1;\n", "eng-row-deleted"),
            ("UPDATE vh.tasks SET summary = 'x' WHERE id = 2;\n", "row-changed"),
            ("CREATE TABLE eng.planted (id int);\n", "catalog-pg_class"),
            ("INSERT INTO eng.tasks (summary) SELECT summary FROM vh.tasks;\n", "vh-data-in-eng"),
            ("SELECT lo_create(0);\n", "catalog-pg_largeobject_metadata"),
            ("COPY (SELECT 1) TO '%s_selftest';\n" % gen.MARKER, "file-created"),
            ("ALTER ROLE codex_staging SET work_mem = '8MB';\n", "catalog-g:pg_db_role_setting"),
            ("SELECT * FROM vh.tasks FOR UPDATE;\n", "row-changed"),
            ("SELECT nextval('eng.projects_id_seq');\nINSERT INTO eng.projects (name) VALUES ('ok');\n"
             "UPDATE eng.tasks SET summary = 'fine';\n", None),
        ]
        ok = True
        for i, (sql, want) in enumerate(cases):
            s = gen.Script(-1 - i)
            s.raw = sql.encode()
            s.classes = ["self-test"]
            diffs = self.one(-1 - i, script=s, force=True) or []
            kinds = {k for k, _ in diffs}
            good = (want in kinds) if want else not diffs
            log("self-test %s: %r -> %s" % ("ok" if good else "FAILED", sql.strip()[:60], sorted(kinds)))
            if not good:
                log("  psql: %s %s" % self.last_psql)
            ok = ok and good
        return ok

    # ------------------------------------------------------------ main loop
    def main(self):
        os.makedirs(self.work, exist_ok=True)
        os.chmod(self.out, 0o755)
        os.chmod(self.work, 0o777)
        self.stage_setup()
        if self.a.self_test:
            ok = self.self_test()
            log("self-test %s" % ("passed" if ok else "FAILED"))
            return 0 if ok else 1
        deadline = self.start + 60 * self.a.minutes
        last = time.time()
        seed = self.a.seed
        while time.time() < deadline:
            try:
                self.one(seed)
            except subprocess.TimeoutExpired as e:
                log("seed %d: timeout in the harness: %s" % (seed, e))
            except RuntimeError as e:
                log("seed %d: harness error: %s" % (seed, str(e)[:500]))
                self.rebuild_stage()
            seed += 1
            if time.time() - last >= self.a.summary_every:
                self.summary()
                last = time.time()
        self.summary(final=True)
        return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pgward", default=os.path.join(REPO, "build", "pgward"))
    ap.add_argument("--policy", default=os.path.join(REPO, "rules", "staging.policy"))
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--out", default="/tmp/soundness")
    ap.add_argument("--port", type=int, default=55440)
    ap.add_argument("--stage-dir", default=None, help="default: /tmp/pgward-soundness-stage-PID")
    ap.add_argument("--seed", type=int, default=1, help="the first seed (default 1)")
    ap.add_argument("--script-timeout", type=float, default=60, help="seconds psql may run a script")
    ap.add_argument("--summary-every", type=float, default=60, help="seconds between summary lines")
    ap.add_argument("--self-test", action="store_true",
                    help="force known-harmful scripts past the gate and check the oracle catches them")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    if a.stage_dir is None:
        a.stage_dir = "/tmp/pgward-soundness-stage-%d" % os.getpid()
    if os.geteuid() != 0:
        print("run.py runs as root (it runs psql as nobody and reaches the superuser as postgres)",
              file=sys.stderr)
        return 2
    h = Harness(a)

    def on_signal(signum, frame):
        raise Stop()
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    rc = 1
    try:
        os.makedirs(h.out, exist_ok=True)
        rc = h.main()
    except Stop:
        log("stopped by a signal")
        h.summary(final=True)
        rc = 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        h.stage_down()
        shutil.rmtree(h.work, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
