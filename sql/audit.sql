-- sql/audit.sql: the audit trail pgward apply writes (schema version 5).
--
-- pgward apply runs this when audit.pgward_schema_version() is missing or older;
-- it is idempotent and safe to run by hand (psql -1 -f sql/audit.sql) as a role
-- that may create the schema (and, the first time, the role pgward_audit_writer:
-- a superuser or a role with CREATEROLE). pgward embeds this file at build time.
--
--   audit.runs        one row per apply: bundle and policy digests, the role, who
--                     connected from where, start, end, status, mode, the backend
--                     that began it, and its place in the hash chain
--   audit.statements  one row per statement run: file, line, statement hash,
--                     command tag, rows, duration, status, SQLSTATE, message
--   audit.files       file history: each file applied, with its checksum
--   audit.settlements what became known later of a statement recorded in doubt
--   audit.approvals   who approved each run's bundle: each approval that counted
--   audit.locks       the table locks each statement took, as the server listed them
--   audit.trail       one row: this trail's id (the journal names it)
--
-- Scripts never write here (the policy protects the schema); pgward writes only
-- through the SECURITY DEFINER functions below, which append and finish runs but
-- never rewrite history, and take the database user and client address from the
-- session itself, so they cannot be forged by the caller. They accept only a
-- session whose login (session_user) is a member of pgward_audit_writer, and a run
-- only from the backend that began it while that backend lives (docs/audit.md).
-- Every finished run gets a position in a hash chain (pgward_chain_text below);
-- pgward audit verify and pgward verify recompute it.
--
-- Version 1 or 2 -> 3: the columns backend_pid, backend_start, chain_pos, chain_hash,
-- chain_legacy are added; every run already finished is sealed into the chain with
-- chain_legacy true (the chain proves it unchanged since the upgrade, not before).
-- Version 3 -> 4: audit.approvals is added; runs sealed before have no approval
-- lines, so their chain text and hash are unchanged.
-- Version 4 -> 5: audit.locks is added; runs sealed before have no lock lines, so
-- their chain text and hash are unchanged.

SELECT pg_advisory_xact_lock(1885827950, 1);  -- two first applies at once: one creates

-- The role whose members (as their login, session_user) may write the trail.
DO $writer$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgward_audit_writer') THEN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user
                       AND (rolsuper OR rolcreaterole)) THEN
            RAISE EXCEPTION USING ERRCODE = '42501',
                MESSAGE = format('role "pgward_audit_writer" does not exist and "%s" may not '
                                 'create it', current_user),
                HINT = 'a superuser or a role with CREATEROLE must run CREATE ROLE '
                       'pgward_audit_writer NOLOGIN, then GRANT pgward_audit_writer TO the '
                       'operator logins that apply';
        END IF;
        CREATE ROLE pgward_audit_writer NOLOGIN;
    END IF;
END
$writer$;

CREATE SCHEMA IF NOT EXISTS audit;

CREATE TABLE IF NOT EXISTS audit.runs (
    id            uuid PRIMARY KEY,
    bundle_sha256 text NOT NULL,
    policy_sha256 text NOT NULL,
    role          name NOT NULL,
    db_user       name NOT NULL DEFAULT session_user,
    client_host   inet DEFAULT inet_client_addr(),
    client        text,
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz,
    status        text NOT NULL
                  CHECK (status IN ('running', 'committed', 'failed', 'cancelled', 'dry-run')),
    mode          text NOT NULL CHECK (mode IN ('bundle', 'file')),
    message       text
);

CREATE TABLE IF NOT EXISTS audit.statements (
    run_id        uuid NOT NULL REFERENCES audit.runs (id),
    seq           integer NOT NULL,
    txn           integer NOT NULL,
    file          text NOT NULL,
    file_seq      integer NOT NULL,
    line          integer,
    col           integer,
    sha256        text NOT NULL,
    command_tag   text,
    rows_affected bigint,
    duration_ms   double precision,
    status        text NOT NULL
                  CHECK (status IN ('ok', 'rolled-back', 'failed', 'cancelled', 'in-doubt')),
    sqlstate      text,
    message       text,
    PRIMARY KEY (run_id, seq)
);

CREATE TABLE IF NOT EXISTS audit.files (
    run_id        uuid NOT NULL REFERENCES audit.runs (id),
    path          text NOT NULL,
    sha256        text NOT NULL,
    txn           integer NOT NULL,
    applied_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (run_id, path)
);
CREATE INDEX IF NOT EXISTS files_path_idx ON audit.files (path, applied_at);

-- What was established afterwards about a statement recorded in doubt (it ran
-- outside a transaction and its outcome was lost): by the operator, or by pgward
-- from the statement's effect. The in-doubt row itself is never rewritten.
CREATE TABLE IF NOT EXISTS audit.settlements (
    run_id        uuid NOT NULL,
    seq           integer NOT NULL,
    outcome       text NOT NULL CHECK (outcome IN ('ran', 'did-not-run')),
    settled_by    name NOT NULL DEFAULT session_user,
    settled_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    note          text,
    PRIMARY KEY (run_id, seq),
    FOREIGN KEY (run_id, seq) REFERENCES audit.statements (run_id, seq)
);
-- Version 3: the backend that began a run, and the hash chain (upgrading from 1 or 2 seals
-- every run already finished into the chain as legacy, once: the column is new then).
CREATE TABLE IF NOT EXISTS audit.trail (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    one        boolean NOT NULL DEFAULT true UNIQUE CHECK (one)
);
INSERT INTO audit.trail DEFAULT VALUES ON CONFLICT (one) DO NOTHING;

DO $v2$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'audit.runs'::regclass
                   AND attname = 'chain_pos' AND NOT attisdropped) THEN
        ALTER TABLE audit.runs ADD COLUMN backend_pid integer,
                               ADD COLUMN backend_start timestamptz,
                               ADD COLUMN chain_pos bigint UNIQUE,
                               ADD COLUMN chain_hash text,
                               ADD COLUMN chain_legacy boolean NOT NULL DEFAULT false,
                               ADD COLUMN chain_statements integer,
                               ADD COLUMN chain_files integer;
        ALTER TABLE audit.statements ADD COLUMN chain_row text;
        ALTER TABLE audit.files ADD COLUMN chain_row text;
        PERFORM set_config('pgward.seal_legacy', 'on', true);
    END IF;
END
$v2$;

-- Version 4: every approval of the run's bundle that counted when apply checked it
-- (approval.h): the approver, whether the policy calls them human, the approval's
-- own time, note, public key and signature, so an auditor can verify it again
-- against the bundle's digest (audit.runs.bundle_sha256).
CREATE TABLE IF NOT EXISTS audit.approvals (
    run_id        uuid NOT NULL REFERENCES audit.runs (id),
    approver      text NOT NULL,
    human         boolean NOT NULL,
    approved_at   text NOT NULL,
    note          text NOT NULL,
    key           text NOT NULL,
    signature     text NOT NULL,
    PRIMARY KEY (run_id, approver)
);

-- Version 5: the relation locks each statement took (src/apply/locks.c): after a
-- statement that ran inside a transaction, the locks its transaction holds that it
-- did not hold before the statement (a stronger mode on a relation already locked
-- is a new row). A statement whose locks were observed and that took none has one
-- row with relation and mode NULL; a statement without any row was not observed
-- (it ran outside a transaction, so its locks ended with it, or it was recorded
-- before version 5). relation is schema.name as the server named it then (temporary
-- relations: pg_temp.name); mode is pg_locks.mode (AccessExclusiveLock, ...);
-- created says the transaction made the relation (the statement creating it named
-- it): no other session could wait for it before the commit. since: one listing
-- covered a run of DML statements, from seq since to this row's seq (apply's
-- windows, src/apply/apply_exec.c): the lock was taken by one of them; those before
-- seq have no rows of their own. NULL: taken by this statement.
CREATE TABLE IF NOT EXISTS audit.locks (
    run_id        uuid NOT NULL,
    seq           integer NOT NULL,
    ord           integer NOT NULL,
    relation      text,
    mode          text,
    created       boolean NOT NULL DEFAULT false,
    since         integer CHECK (since < seq),
    PRIMARY KEY (run_id, seq, ord),
    FOREIGN KEY (run_id, seq) REFERENCES audit.statements (run_id, seq),
    CHECK ((relation IS NULL) = (mode IS NULL))
);

REVOKE ALL ON ALL TABLES IN SCHEMA audit FROM PUBLIC;

-- ---------------------------------------------------------------- the hash chain
--
-- A run's chain text (docs/audit.md; src/audit/chain.c computes the same in C): lines
-- ending in "\n": "pgward-audit-chain 1", "prev " and the previous run's chain_hash
-- (64 zeros for position 1), "run " and the run's fields (chain_statements and
-- chain_files: how many rows it had when sealed), "statement " and each statement's
-- fields (by seq), "file " and each file's fields (by path, bytewise), "approval " and
-- each approval's fields (by approver, bytewise; schema version 4). Each statement
-- and file row also keeps chain_row, the SHA-256 of its own line (without "\n").
-- Fields are joined by one space; each is "-" for NULL, else its length in UTF-8
-- bytes, ":" and the text. Timestamps are UTC "YYYY-MM-DDTHH:MM:SS.ffffffZ", a double
-- is its numeric text, a boolean "true"/"false". chain_hash is the lowercase hex
-- SHA-256 of the chain text in UTF-8.
-- The four helpers below carry no SET clause, so PostgreSQL inlines them into the
-- queries of pgward_chain_seal and pgward_chain_text (whose search_path is pinned):
-- called as functions, once per field of every row, sealing a run of 10,000
-- statements took seconds.
CREATE OR REPLACE FUNCTION audit.pgward_chain_field(v text)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN v IS NULL THEN '-'
                ELSE octet_length(convert_to(v, 'UTF8'))::text || ':' || v END
$$;

CREATE OR REPLACE FUNCTION audit.pgward_chain_ts(t timestamptz)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

CREATE OR REPLACE FUNCTION audit.pgward_chain_statement_line(
    seq integer, txn integer, file text, file_seq integer, line integer, col integer,
    sha256 text, command_tag text, rows_affected bigint, duration_ms double precision,
    status text, sqlstate text, message text)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT 'statement ' || concat_ws(' ',
        audit.pgward_chain_field(seq::text), audit.pgward_chain_field(txn::text),
        audit.pgward_chain_field(file), audit.pgward_chain_field(file_seq::text),
        audit.pgward_chain_field(line::text), audit.pgward_chain_field(col::text),
        audit.pgward_chain_field(sha256), audit.pgward_chain_field(command_tag),
        audit.pgward_chain_field(rows_affected::text),
        audit.pgward_chain_field(duration_ms::numeric::text),
        audit.pgward_chain_field(status), audit.pgward_chain_field(sqlstate),
        audit.pgward_chain_field(message))
$$;

CREATE OR REPLACE FUNCTION audit.pgward_chain_statement(s audit.statements)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT audit.pgward_chain_statement_line(s.seq, s.txn, s.file, s.file_seq, s.line, s.col,
        s.sha256, s.command_tag, s.rows_affected, s.duration_ms, s.status, s.sqlstate,
        s.message)
$$;

CREATE OR REPLACE FUNCTION audit.pgward_chain_file(f audit.files)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT 'file ' || concat_ws(' ',
        audit.pgward_chain_field(f.path), audit.pgward_chain_field(f.sha256),
        audit.pgward_chain_field(f.txn::text),
        audit.pgward_chain_field(audit.pgward_chain_ts(f.applied_at)))
$$;

CREATE OR REPLACE FUNCTION audit.pgward_chain_approval(a audit.approvals)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT 'approval ' || concat_ws(' ',
        audit.pgward_chain_field(a.approver),
        audit.pgward_chain_field(CASE WHEN a.human THEN 'true' ELSE 'false' END),
        audit.pgward_chain_field(a.approved_at), audit.pgward_chain_field(a.note),
        audit.pgward_chain_field(a.key), audit.pgward_chain_field(a.signature))
$$;

CREATE OR REPLACE FUNCTION audit.pgward_chain_lock(l audit.locks)
RETURNS text LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT 'lock ' || concat_ws(' ',
        audit.pgward_chain_field(l.seq::text), audit.pgward_chain_field(l.ord::text),
        audit.pgward_chain_field(l.relation), audit.pgward_chain_field(l.mode),
        audit.pgward_chain_field(CASE WHEN l.created THEN 'true' ELSE 'false' END),
        audit.pgward_chain_field(l.since::text))
$$;

CREATE OR REPLACE FUNCTION audit.pgward_chain_text(p_run uuid, p_prev text)
RETURNS text LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT 'pgward-audit-chain 1' || E'\n' || 'prev ' || coalesce(p_prev, repeat('0', 64))
        || E'\n' || 'run ' || concat_ws(' ',
            audit.pgward_chain_field(r.chain_pos::text), audit.pgward_chain_field(r.id::text),
            audit.pgward_chain_field(r.bundle_sha256), audit.pgward_chain_field(r.policy_sha256),
            audit.pgward_chain_field(r.role::text), audit.pgward_chain_field(r.db_user::text),
            audit.pgward_chain_field(r.client_host::text), audit.pgward_chain_field(r.client),
            audit.pgward_chain_field(audit.pgward_chain_ts(r.started_at)),
            audit.pgward_chain_field(audit.pgward_chain_ts(r.finished_at)),
            audit.pgward_chain_field(r.status), audit.pgward_chain_field(r.mode),
            audit.pgward_chain_field(r.message), audit.pgward_chain_field(r.backend_pid::text),
            audit.pgward_chain_field(audit.pgward_chain_ts(r.backend_start)),
            audit.pgward_chain_field(CASE WHEN r.chain_legacy THEN 'true' ELSE 'false' END),
            audit.pgward_chain_field(r.chain_statements::text),
            audit.pgward_chain_field(r.chain_files::text))
        || E'\n'
        || coalesce((SELECT string_agg(audit.pgward_chain_statement(s) || E'\n', ''
                                       ORDER BY s.seq)
                     FROM audit.statements s WHERE s.run_id = r.id), '')
        || coalesce((SELECT string_agg(audit.pgward_chain_file(f) || E'\n', ''
                                       ORDER BY f.path COLLATE "C")
                     FROM audit.files f WHERE f.run_id = r.id), '')
        || coalesce((SELECT string_agg(audit.pgward_chain_approval(a) || E'\n', ''
                                       ORDER BY a.approver COLLATE "C")
                     FROM audit.approvals a WHERE a.run_id = r.id), '')
        || coalesce((SELECT string_agg(audit.pgward_chain_lock(l) || E'\n', ''
                                       ORDER BY l.seq, l.ord)
                     FROM audit.locks l WHERE l.run_id = r.id), '')
    FROM audit.runs r WHERE r.id = p_run
$$;

-- Gives a finished run the next chain position and its hash. The lock makes
-- positions gap-free: the next finisher waits until this transaction ends.
CREATE OR REPLACE FUNCTION audit.pgward_chain_seal(p_run uuid, p_legacy boolean)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    last_pos bigint;
    last_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock(1885827950, 3);
    SELECT chain_pos, chain_hash INTO last_pos, last_hash FROM audit.runs
    WHERE chain_pos IS NOT NULL ORDER BY chain_pos DESC LIMIT 1;
    UPDATE audit.runs SET chain_pos = coalesce(last_pos, 0) + 1, chain_legacy = p_legacy,
        chain_statements = (SELECT count(*) FROM audit.statements WHERE run_id = p_run),
        chain_files = (SELECT count(*) FROM audit.files WHERE run_id = p_run)
    WHERE id = p_run AND chain_pos IS NULL;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- each row's own hash too: it names the row that changed, not only the run
    -- (pgward_record writes it with each statement row; rows from before schema
    -- version 3 get theirs here)
    UPDATE audit.statements s
    SET chain_row = encode(sha256(convert_to(audit.pgward_chain_statement(s), 'UTF8')), 'hex')
    WHERE s.run_id = p_run AND s.chain_row IS NULL;
    UPDATE audit.files f
    SET chain_row = encode(sha256(convert_to(audit.pgward_chain_file(f), 'UTF8')), 'hex')
    WHERE f.run_id = p_run;
    UPDATE audit.runs
    SET chain_hash = encode(sha256(convert_to(audit.pgward_chain_text(p_run, last_hash),
                                              'UTF8')), 'hex')
    WHERE id = p_run;
END
$$;

DO $seal$
DECLARE
    r record;
BEGIN
    IF current_setting('pgward.seal_legacy', true) = 'on' THEN
        FOR r IN SELECT id FROM audit.runs WHERE status <> 'running'
                 ORDER BY coalesce(finished_at, started_at), id LOOP
            PERFORM audit.pgward_chain_seal(r.id, true);
        END LOOP;
        PERFORM set_config('pgward.seal_legacy', '', true);
    END IF;
END
$seal$;

-- ---------------------------------------------------------------- who may write

-- Raises unless the session's login is a member of pgward_audit_writer: a role
-- that logs in itself cannot write, even through SET ROLE from elsewhere.
CREATE OR REPLACE FUNCTION audit.pgward_check_writer()
RETURNS void LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT pg_has_role(session_user, 'pgward_audit_writer', 'MEMBER') THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('session user "%s" is not a member of pgward_audit_writer: '
                             'only its members write the audit trail', session_user),
            HINT = 'connect as an operator login that is a member and run as the restricted '
                   'role with pgward apply --set-role';
    END IF;
END
$$;

-- The start of this session's backend (NULL when the owner may not see it).
CREATE OR REPLACE FUNCTION audit.pgward_my_backend_start()
RETURNS timestamptz LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()
$$;

-- Raises unless this session may write to run p_run: the backend that began it, or
-- any writer session once that backend is gone (audit sync after a crash).
CREATE OR REPLACE FUNCTION audit.pgward_check_binding(p_run uuid, p_pid integer,
                                                      p_start timestamptz)
RETURNS void LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_pid IS NULL OR (p_pid = pg_backend_pid()
                         AND p_start IS NOT DISTINCT FROM audit.pgward_my_backend_start()) THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_stat_activity a
               WHERE a.pid = p_pid AND a.backend_start IS NOT DISTINCT FROM p_start) THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('run %s belongs to the session of backend %s, which is still '
                             'alive: only that session may write it', p_run, p_pid);
    END IF;
END
$$;

-- Starts a run (idempotent: audit sync may replay it), bound to this backend.
CREATE OR REPLACE FUNCTION audit.pgward_begin_run(p_id uuid, p_bundle text, p_policy text,
                                                  p_role text, p_mode text, p_client text,
                                                  p_started timestamptz)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    started timestamptz;
BEGIN
    PERFORM audit.pgward_check_writer();
    started := audit.pgward_my_backend_start();
    IF started IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = 'the audit schema''s owner cannot see this session in pg_stat_activity',
            HINT = 'the owner of the audit functions must be a superuser or hold '
                   'pg_read_all_stats';
    END IF;
    INSERT INTO audit.runs (id, bundle_sha256, policy_sha256, role, db_user, client_host,
                            client, started_at, status, mode, backend_pid, backend_start)
    VALUES (p_id, p_bundle, p_policy, p_role, session_user, inet_client_addr(), p_client,
            p_started, 'running', p_mode, pg_backend_pid(), started)
    ON CONFLICT (id) DO NOTHING;
END
$$;

-- Run p_run's row, for the writers below (they run as the owner, who may read it);
-- raises when there is no such run.
CREATE OR REPLACE FUNCTION audit.pgward_run_row(p_run uuid)
RETURNS audit.runs LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r audit.runs%ROWTYPE;
BEGIN
    SELECT * INTO r FROM audit.runs WHERE id = p_run;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '23503',
            MESSAGE = format('run %s is not in audit.runs', p_run);
    END IF;
    RETURN r;
END
$$;

-- Appends statement rows and file rows (JSON arrays of objects named like the
-- columns); rows already there are kept as they are (idempotent). A finished run is
-- sealed: replaying rows it has is a no-op, a new row is an error.
CREATE OR REPLACE FUNCTION audit.pgward_record(p_run uuid, p_statements jsonb, p_files jsonb)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r audit.runs%ROWTYPE;
BEGIN
    PERFORM audit.pgward_check_writer();
    r := audit.pgward_run_row(p_run);
    IF r.status <> 'running' THEN
        IF EXISTS (SELECT 1 FROM jsonb_to_recordset(coalesce(p_statements, '[]')) AS s(seq integer)
                   WHERE NOT EXISTS (SELECT 1 FROM audit.statements x
                                     WHERE x.run_id = p_run AND x.seq = s.seq))
           OR EXISTS (SELECT 1 FROM jsonb_to_recordset(coalesce(p_files, '[]')) AS f(path text)
                      WHERE NOT EXISTS (SELECT 1 FROM audit.files x
                                        WHERE x.run_id = p_run AND x.path = f.path)) THEN
            RAISE EXCEPTION USING ERRCODE = '55000',
                MESSAGE = format('run %s is finished (%s): rows cannot be added to it',
                                 p_run, r.status);
        END IF;
        RETURN;
    END IF;
    PERFORM audit.pgward_check_binding(p_run, r.backend_pid, r.backend_start);
    -- with its own chain hash (the row never changes once written): sealing the run
    -- then rewrites no statement row
    INSERT INTO audit.statements (run_id, seq, txn, file, file_seq, line, col, sha256,
                                  command_tag, rows_affected, duration_ms, status, sqlstate,
                                  message, chain_row)
    SELECT p_run, s.seq, s.txn, s.file, s.file_seq, s.line, s.col, s.sha256, s.command_tag,
           s.rows_affected, s.duration_ms, s.status, s.sqlstate, s.message,
           encode(sha256(convert_to(audit.pgward_chain_statement_line(s.seq, s.txn, s.file,
               s.file_seq, s.line, s.col, s.sha256, s.command_tag, s.rows_affected,
               s.duration_ms, s.status, s.sqlstate, s.message), 'UTF8')), 'hex')
    FROM jsonb_to_recordset(coalesce(p_statements, '[]')) AS s(
             seq integer, txn integer, file text, file_seq integer, line integer,
             col integer, sha256 text, command_tag text, rows_affected bigint,
             duration_ms double precision, status text, sqlstate text, message text)
    ON CONFLICT (run_id, seq) DO NOTHING;
    -- a statement's "locks": its lock rows; [] says observed, none taken
    INSERT INTO audit.locks (run_id, seq, ord, relation, mode, created, since)
    SELECT p_run, s.seq, coalesce(l.ord, 1)::integer, l.value ->> 'relation',
           l.value ->> 'mode', coalesce((l.value ->> 'created')::boolean, false),
           s.locks_since
    FROM jsonb_to_recordset(coalesce(p_statements, '[]'))
         AS s(seq integer, locks jsonb, locks_since integer)
    CROSS JOIN LATERAL (SELECT e.value, e.ord FROM jsonb_array_elements(s.locks)
                        WITH ORDINALITY AS e(value, ord)
                        UNION ALL SELECT NULL, NULL WHERE jsonb_array_length(s.locks) = 0) l
    WHERE jsonb_typeof(s.locks) = 'array'
    ON CONFLICT (run_id, seq, ord) DO NOTHING;
    INSERT INTO audit.files (run_id, path, sha256, txn)
    SELECT p_run, f.path, f.sha256, f.txn
    FROM jsonb_to_recordset(coalesce(p_files, '[]')) AS f(path text, sha256 text, txn integer)
    ON CONFLICT (run_id, path) DO NOTHING;
END
$$;

-- Records the approvals of a running run's bundle (a JSON array of objects named
-- like the columns), before its first statement; rows already there are kept
-- (idempotent: audit sync may replay them). A finished run is sealed: approvals
-- cannot be added to it.
CREATE OR REPLACE FUNCTION audit.pgward_record_approvals(p_run uuid, p_approvals jsonb)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r audit.runs%ROWTYPE;
BEGIN
    PERFORM audit.pgward_check_writer();
    r := audit.pgward_run_row(p_run);
    IF r.status <> 'running' THEN
        IF EXISTS (SELECT 1 FROM jsonb_to_recordset(coalesce(p_approvals, '[]'))
                                 AS a(approver text)
                   WHERE NOT EXISTS (SELECT 1 FROM audit.approvals x
                                     WHERE x.run_id = p_run AND x.approver = a.approver)) THEN
            RAISE EXCEPTION USING ERRCODE = '55000',
                MESSAGE = format('run %s is finished (%s): approvals cannot be added to it',
                                 p_run, r.status);
        END IF;
        RETURN;
    END IF;
    PERFORM audit.pgward_check_binding(p_run, r.backend_pid, r.backend_start);
    INSERT INTO audit.approvals (run_id, approver, human, approved_at, note, key, signature)
    SELECT p_run, a.approver, a.human, a.approved_at, a.note, a.key, a.signature
    FROM jsonb_to_recordset(coalesce(p_approvals, '[]')) AS a(
             approver text, human boolean, approved_at text, note text, key text,
             signature text)
    ON CONFLICT (run_id, approver) DO NOTHING;
END
$$;

-- The approvers of a run, for whoever may not read the table (pgward verify, audit
-- show): in approver order.
CREATE OR REPLACE FUNCTION audit.pgward_run_approvals(p_run uuid)
RETURNS TABLE (approver text, human boolean, approved_at text, note text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT a.approver, a.human, a.approved_at, a.note FROM audit.approvals a
    WHERE a.run_id = p_run ORDER BY a.approver COLLATE "C";
$$;

-- Gives a running run its final status and seals it into the chain; a finished run
-- is never changed (finishing it again is a no-op: audit sync may replay it).
CREATE OR REPLACE FUNCTION audit.pgward_finish_run(p_run uuid, p_status text, p_message text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r audit.runs%ROWTYPE;
BEGIN
    PERFORM audit.pgward_check_writer();
    IF p_status IS NULL OR p_status = 'running' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('invalid final status "%s" for run %s', p_status, p_run);
    END IF;
    r := audit.pgward_run_row(p_run);
    IF r.status <> 'running' THEN
        RETURN;
    END IF;
    PERFORM audit.pgward_check_binding(p_run, r.backend_pid, r.backend_start);
    UPDATE audit.runs SET status = p_status, message = p_message,
                          finished_at = clock_timestamp()
    WHERE id = p_run AND status = 'running';
    IF FOUND THEN
        PERFORM audit.pgward_chain_seal(p_run, false);
    END IF;
END
$$;

-- A run's place in the chain and the trail's id (what the journal's audited
-- record keeps); no row when the run is not in the chain.
CREATE OR REPLACE FUNCTION audit.pgward_run_head(p_run uuid)
RETURNS TABLE (chain_pos bigint, chain_hash text, trail uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT r.chain_pos, r.chain_hash, (SELECT t.id FROM audit.trail t)
    FROM audit.runs r WHERE r.id = p_run AND r.chain_pos IS NOT NULL;
$$;

-- The trail's id (audit.trail), for whoever may not read the table.
CREATE OR REPLACE FUNCTION audit.pgward_trail_id()
RETURNS uuid LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT id FROM audit.trail
$$;

-- Whether this session's login may write the trail (apply asks before anything).
CREATE OR REPLACE FUNCTION audit.pgward_is_writer()
RETURNS boolean LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_has_role(session_user, 'pgward_audit_writer', 'MEMBER')
$$;

-- The version of this file; pgward applies it again when this is older.
CREATE OR REPLACE FUNCTION audit.pgward_schema_version()
RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 5 $$;

-- Reading the trail: pgward audit show, pgward verify, and auditors.
CREATE OR REPLACE VIEW audit.pgward_history AS
    SELECT r.id AS run_id, r.started_at, r.finished_at, r.status AS run_status, r.mode,
           r.role, r.db_user, r.client_host, r.bundle_sha256, s.seq, s.file, s.line,
           s.col, s.sha256, s.command_tag, s.rows_affected, s.duration_ms, s.status,
           s.sqlstate, s.message
    FROM audit.runs r LEFT JOIN audit.statements s ON s.run_id = r.id;

-- What apply and audit sync must read, whoever they run as.
-- The last committed checksum of each of these files.
CREATE OR REPLACE FUNCTION audit.pgward_file_history(p_paths text[])
RETURNS TABLE (path text, sha256 text, run_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT DISTINCT ON (f.path) f.path, f.sha256, f.run_id
    FROM audit.files f WHERE f.path = ANY (p_paths)
    ORDER BY f.path, f.applied_at DESC;
$$;

-- Statements of a file that ran outside a transaction and succeeded since the file
-- last completed: where a resumed run picks up.
CREATE OR REPLACE FUNCTION audit.pgward_file_progress(p_path text)
RETURNS TABLE (file_seq integer, sha256 text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT DISTINCT ON (s.file_seq) s.file_seq, s.sha256
    FROM audit.statements s JOIN audit.runs r ON r.id = s.run_id
    WHERE s.file = p_path AND s.status = 'ok' AND r.started_at > coalesce(
        (SELECT max(f.applied_at) FROM audit.files f WHERE f.path = p_path), '-infinity')
    ORDER BY s.file_seq, r.started_at DESC;
$$;

-- Where a resumed no-transaction file picks up: per statement (file_seq) since the
-- file last completed, the latest that ran ('ok') or may have ('in-doubt', until
-- settled: 'ran' counts as ok, 'did-not-run' as never sent).
CREATE OR REPLACE FUNCTION audit.pgward_file_resume(p_path text)
RETURNS TABLE (file_seq integer, sha256 text, status text, run_id uuid, seq integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT DISTINCT ON (s.file_seq) s.file_seq, s.sha256,
           CASE WHEN s.status = 'ok' OR st.outcome = 'ran' THEN 'ok' ELSE 'in-doubt' END,
           s.run_id, s.seq
    FROM audit.statements s JOIN audit.runs r ON r.id = s.run_id
    LEFT JOIN audit.settlements st ON st.run_id = s.run_id AND st.seq = s.seq
    WHERE s.file = p_path
      AND (s.status = 'ok' OR (s.status = 'in-doubt' AND st.outcome IS DISTINCT FROM 'did-not-run'))
      AND r.started_at > coalesce(
        (SELECT max(f.applied_at) FROM audit.files f WHERE f.path = p_path), '-infinity')
    ORDER BY s.file_seq, r.started_at DESC, s.seq DESC;
$$;

-- Settles a statement recorded in doubt: 'ran' or 'did-not-run', with a note
-- saying how that is known. Returns the statement's file:line.
CREATE OR REPLACE FUNCTION audit.pgward_settle(p_run uuid, p_seq integer, p_outcome text,
                                               p_note text)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_status text;
    v_where text;
BEGIN
    PERFORM audit.pgward_check_writer();  -- an operator's word, never a restricted login's
    SELECT s.status, s.file || ':' || coalesce(s.line::text, '?') INTO v_status, v_where
    FROM audit.statements s WHERE s.run_id = p_run AND s.seq = p_seq;
    IF v_status IS NULL THEN
        RAISE EXCEPTION 'no statement % in run %', p_seq, p_run USING ERRCODE = 'P0002';
    END IF;
    IF v_status <> 'in-doubt' THEN
        RAISE EXCEPTION 'statement % of run % is %, not in doubt', p_seq, p_run, v_status
            USING ERRCODE = '22023';
    END IF;
    INSERT INTO audit.settlements (run_id, seq, outcome, note)
    VALUES (p_run, p_seq, p_outcome, p_note) ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'statement % of run % is settled already', p_seq, p_run
            USING ERRCODE = '23505';
    END IF;
    RETURN v_where;
END
$$;

-- A run's status, and whether transaction p_txn of it committed (its rows exist).
CREATE OR REPLACE FUNCTION audit.pgward_run_state(p_run uuid, p_txn integer)
RETURNS TABLE (status text, txn_committed boolean, statements bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT r.status,
           EXISTS (SELECT 1 FROM audit.statements s
                   WHERE s.run_id = p_run AND s.txn = p_txn AND s.status = 'ok')
           OR EXISTS (SELECT 1 FROM audit.files f WHERE f.run_id = p_run AND f.txn = p_txn),
           (SELECT count(*) FROM audit.statements s WHERE s.run_id = p_run)
    FROM audit.runs r WHERE r.id = p_run;
$$;

-- Any role may read its way through these functions, and members of
-- pgward_audit_writer append through them (a script cannot call them: the policy
-- gate allows restricted roles only their allowlisted functions); the tables
-- themselves are for the owner and whoever it grants.
GRANT USAGE ON SCHEMA audit TO PUBLIC;
-- The writers check who calls them (pgward_check_writer, pgward_check_binding).
GRANT EXECUTE ON FUNCTION audit.pgward_begin_run(uuid, text, text, text, text, text, timestamptz),
    audit.pgward_record(uuid, jsonb, jsonb), audit.pgward_finish_run(uuid, text, text),
    audit.pgward_schema_version(), audit.pgward_file_history(text[]),
    audit.pgward_file_progress(text), audit.pgward_run_state(uuid, integer),
    audit.pgward_file_resume(text), audit.pgward_settle(uuid, integer, text, text),
    audit.pgward_run_head(uuid), audit.pgward_is_writer(), audit.pgward_trail_id(),
    audit.pgward_record_approvals(uuid, jsonb), audit.pgward_run_approvals(uuid)
    TO PUBLIC;
-- The chain's internals are the owner's (a stray call cannot seal a forged row).
REVOKE EXECUTE ON FUNCTION audit.pgward_chain_seal(uuid, boolean),
    audit.pgward_chain_text(uuid, text), audit.pgward_check_binding(uuid, integer, timestamptz)
    FROM PUBLIC;
