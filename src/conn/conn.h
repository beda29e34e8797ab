/*
 * conn.h: connecting to PostgreSQL the way operators expect.
 *
 * A connection comes from, in increasing priority: the usual PG* environment
 * variables (libpq reads them itself), an env file such as `.env.staging`
 * (`--env-file`: KEY=VALUE lines naming libpq's variables, PGHOST, PGPASSWORD, ...),
 * and `--db` (a conninfo string or a postgresql:// URI). Passwords never leave
 * libpq: conn_describe() names user, host, port and database only, and every
 * error is redacted (conn/redact.h) before it leaves this file.
 *
 *   conn_params p = {0};
 *   if (conn_params_read_env_file(".env.staging", &p, &err) < 0) ...
 *   PGconn *c = conn_open(&p, "postgresql://...", "pgward apply", &err);
 *   char *who = conn_describe(c);      // "codex_staging@127.0.0.1:5434/staging"
 *   conn_params_free(&p);
 */
#ifndef PGWARD_CONN_H
#define PGWARD_CONN_H

#include <stddef.h>

#include <libpq-fe.h>

/* libpq keyword/value pairs, in order (later pairs win). */
typedef struct conn_params {
    char **keys;
    char **values;
    size_t n, cap;
} conn_params;

/*
 * Parses env-file text: `KEY=VALUE` lines, optional `export `, `#` comments, blank
 * lines, values optionally in single or double quotes. Keys that name a libpq
 * environment variable (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE,
 * ...) become connection parameters; other keys are ignored, except unknown PG*
 * keys, which are errors (a typo must not silently connect elsewhere). Returns 0, or
 * -1 with *err = "name:line:col: what is wrong" (malloc'd).
 */
int conn_params_parse_env(const char *name, const char *text, size_t len, conn_params *out,
                          char **err);

/* Reads and parses an env file (at most 1 MiB); errors as conn_params_parse_env. */
int conn_params_read_env_file(const char *path, conn_params *out, char **err);

void conn_params_free(conn_params *p);

/*
 * Whether db (a conninfo string or URI; NULL or "" is none) can be parsed, before
 * anything connects: a malformed --db is a usage error, not a failure to connect.
 * Returns 0, or -1 with *err as conn_open() words it ("invalid --db: ...",
 * passwords and the parse error's quoted tokens hidden).
 */
int conn_check_db(const conn_params *params, const char *db, char **err);

/*
 * Connects with params (may be NULL), then db (a conninfo string or URI, may be
 * NULL) over them, and application_name, with TCP keepalives (30 s idle, 3 probes
 * 10 s apart) unless db or params set them. Returns the connection, or NULL with
 * *err: libpq's message with every password redacted (conn/redact.h; a parse
 * error's quoted tokens hidden unless they are libpq keywords), "invalid --db" for
 * a URI whose password holds a raw '@' or '/', or, after a signal
 * (conn/wait.h), a refusal to connect.
 */
PGconn *conn_open(const conn_params *params, const char *db, const char *application_name,
                  char **err);

/*
 * Makes the server notice when this session's client vanishes, so that its locks
 * go in bounded time: tcp_keepalives_idle 30 s, _interval 10 s, _count 3 (an idle
 * session: a minute) and client_connection_check_interval 5 s (while a statement
 * runs, PostgreSQL 14+), all for this session only. Returns 0, or -1 with *err.
 */
int conn_guard_session(PGconn *c, char **err);

/* "user@host:port/dbname" of an open connection (malloc'd), never the password. */
char *conn_describe(PGconn *c);

/* SQLSTATE of a result ("" when there is none). */
const char *conn_sqlstate(const PGresult *r);

/* libpq's error message of a result or connection, on one line, without its
   trailing newline, with anything password-shaped redacted (conn/redact.h). */
char *conn_error_message(PGconn *c, const PGresult *r);

#endif
