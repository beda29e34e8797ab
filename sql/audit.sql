-- sql/audit.sql: the audit trail pgward apply writes (schema version 2).
--
-- pgward apply runs this when audit.pgward_schema_version() is missing or older;
-- it is idempotent and safe to run by hand (psql -1 -f sql/audit.sql) as a role
-- that may create the schema. pgward embeds this file at build time.
--
--   audit.runs        one row per apply: bundle and policy digests, the role, who
--                     connected from where, start, end, status, mode
--   audit.statements  one row per statement run: file, line, statement hash,
--                     command tag, rows, duration, status, SQLSTATE, message
--   audit.files       file history: each file applied, with its checksum
--   audit.settlements what became known later of a statement recorded in doubt
--
-- Scripts never write here (the policy protects the schema); pgward writes only
-- through the SECURITY DEFINER functions below, which append and finish runs but
-- never rewrite history, and take the database user and client address from the
-- session itself, so they cannot be forged by the caller.

SELECT pg_advisory_xact_lock(1885827950, 1);  -- two first applies at once: one creates

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

REVOKE ALL ON ALL TABLES IN SCHEMA audit FROM PUBLIC;

-- Starts a run (idempotent: audit sync may replay it).
CREATE OR REPLACE FUNCTION audit.pgward_begin_run(p_id uuid, p_bundle text, p_policy text,
                                                  p_role text, p_mode text, p_client text,
                                                  p_started timestamptz)
RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO audit.runs (id, bundle_sha256, policy_sha256, role, db_user, client_host,
                            client, started_at, status, mode)
    VALUES (p_id, p_bundle, p_policy, p_role, session_user, inet_client_addr(), p_client,
            p_started, 'running', p_mode)
    ON CONFLICT (id) DO NOTHING;
$$;

-- Appends statement rows and file rows (JSON arrays of objects named like the
-- columns); rows already there are kept as they are (idempotent).
CREATE OR REPLACE FUNCTION audit.pgward_record(p_run uuid, p_statements jsonb, p_files jsonb)
RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO audit.statements (run_id, seq, txn, file, file_seq, line, col, sha256,
                                  command_tag, rows_affected, duration_ms, status, sqlstate,
                                  message)
    SELECT p_run, s.seq, s.txn, s.file, s.file_seq, s.line, s.col, s.sha256, s.command_tag,
           s.rows_affected, s.duration_ms, s.status, s.sqlstate, s.message
    FROM jsonb_to_recordset(coalesce(p_statements, '[]')) AS s(
             seq integer, txn integer, file text, file_seq integer, line integer,
             col integer, sha256 text, command_tag text, rows_affected bigint,
             duration_ms double precision, status text, sqlstate text, message text)
    ON CONFLICT (run_id, seq) DO NOTHING;
    INSERT INTO audit.files (run_id, path, sha256, txn)
    SELECT p_run, f.path, f.sha256, f.txn
    FROM jsonb_to_recordset(coalesce(p_files, '[]')) AS f(path text, sha256 text, txn integer)
    ON CONFLICT (run_id, path) DO NOTHING;
$$;

-- Gives a running run its final status; a finished run is never changed.
CREATE OR REPLACE FUNCTION audit.pgward_finish_run(p_run uuid, p_status text, p_message text)
RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    UPDATE audit.runs SET status = p_status, message = p_message,
                          finished_at = clock_timestamp()
    WHERE id = p_run AND status = 'running';
$$;

-- The version of this file; pgward applies it again when this is older.
CREATE OR REPLACE FUNCTION audit.pgward_schema_version()
RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 2 $$;

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

-- Any role may append and read its way through these functions (a script cannot
-- call them: the policy gate allows restricted roles only their allowlisted
-- functions); the tables themselves are for the owner and whoever it grants.
GRANT USAGE ON SCHEMA audit TO PUBLIC;
GRANT EXECUTE ON FUNCTION audit.pgward_begin_run(uuid, text, text, text, text, text, timestamptz),
    audit.pgward_record(uuid, jsonb, jsonb), audit.pgward_finish_run(uuid, text, text),
    audit.pgward_schema_version(), audit.pgward_file_history(text[]),
    audit.pgward_file_progress(text), audit.pgward_run_state(uuid, integer),
    audit.pgward_file_resume(text), audit.pgward_settle(uuid, integer, text, text)
    TO PUBLIC;
