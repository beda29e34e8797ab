/*
 * database.c: the stage's database: SQL run as the superuser, the setup script of
 * the policy, random passwords sent as SCRAM verifiers, and the evidence printed
 * once the env files connect.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <dirent.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "conn/conn.h"
#include "conn/redact.h"
#include "policy/query.h"
#include "stage/provision.h"

#include "stage/instance.h"

/* ------------------------------------------------------------------ SQL */

/* Runs sql; returns the result when it has the expected status, else NULL with
   *err = "what: message". */
PGresult *stage_run_sql(PGconn *c, const char *sql, int nparams, const char *const *params,
                         const char *what, char **err)
{
    PGresult *r = nparams ? PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0)
                          : PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return r;
    char *m = conn_error_message(c, r);
    const char *pos = r ? PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION) : NULL;
    const char *where = r ? PQresultErrorField(r, PG_DIAG_CONTEXT) : NULL;
    if (pos && sql) {
        long p = strtol(pos, NULL, 10);
        int line = 1;
        for (long i = 0; i < p - 1 && sql[i]; i++)
            line += sql[i] == '\n';
        *err = xasprintf("%s: line %d: %s", what, line, m);
    } else if (where) {
        *err = xasprintf("%s: %s (%.*s)", what, m, (int)strcspn(where, "\n"), where);
    } else {
        *err = xasprintf("%s: %s", what, m);
    }
    free(m);
    PQclear(r);
    return NULL;
}

int stage_exec_sql(PGconn *c, const char *sql, const char *what, char **err)
{
    PGresult *r = stage_run_sql(c, sql, 0, NULL, what, err);
    PQclear(r);
    return r ? 0 : -1;
}

/* The first value of the first row (malloc'd; "" for NULL), or NULL with *err. */
static char *sql_value(PGconn *c, const char *sql, const char *what, char **err)
{
    PGresult *r = stage_run_sql(c, sql, 0, NULL, what, err);
    if (!r)
        return NULL;
    char *v = xstrdup(PQntuples(r) > 0 && PQnfields(r) > 0 ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    return v;
}

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Connects as the superuser over TCP with the password initdb was given. */
PGconn *stage_connect_superuser(int port, const char *password, const char *db, char **err)
{
    char p[16];
    snprintf(p, sizeof(p), "%d", port);
    const char *keys[] = {"host",    "port",       "dbname",          "user",
                          "password", "sslmode",    "gssencmode",      "connect_timeout",
                          "options", "application_name", NULL};
    const char *values[] = {"127.0.0.1", p,         db,   "postgres", password, "disable",
                            "disable",   "10",      "",   "pgward stage up", NULL};
    PGconn *c = PQconnectdbParams(keys, values, 0);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        /* libpq never quotes a password it was given, but no message may hold one */
        char *m = conn_error_message(c, NULL);
        const char *secret[] = {password};
        char *safe = conn_redact(m, NULL, 0, secret, 1);
        *err = xasprintf("cannot connect to the new server as postgres: %s", safe);
        free(safe);
        free(m);
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, ignore_notice, NULL); /* "already exists, skipping" */
    return c;
}

/* A random password: 24 bytes from OpenSSL as URL-safe base64 (32 characters, no
   quote, backslash or space). */
int stage_random_password(char out[33])
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char b[24];
    if (RAND_bytes(b, sizeof(b)) != 1)
        return -1;
    for (size_t i = 0, k = 0; i < sizeof(b); i += 3) {
        unsigned v = (unsigned)b[i] << 16 | (unsigned)b[i + 1] << 8 | b[i + 2];
        out[k++] = alphabet[v >> 18 & 63];
        out[k++] = alphabet[v >> 12 & 63];
        out[k++] = alphabet[v >> 6 & 63];
        out[k++] = alphabet[v & 63];
    }
    out[32] = '\0';
    OPENSSL_cleanse(b, sizeof(b));
    return 0;
}

/* ALTER ROLE role LOGIN PASSWORD '<SCRAM verifier>' [VALID UNTIL 'until']: the
   password itself never reaches the server (nor its log). */
int stage_set_password(PGconn *c, const char *role, const char *password, const char *until,
                        char **err)
{
    char *verifier = PQencryptPasswordConn(c, password, role, "scram-sha-256");
    if (!verifier) {
        char *m = conn_error_message(c, NULL);
        *err = xasprintf("cannot compute the SCRAM verifier of %s: %s", role, m);
        free(m);
        return -1;
    }
    char *lit = PQescapeLiteral(c, verifier, strlen(verifier));
    char *until_lit = until ? PQescapeLiteral(c, until, strlen(until)) : NULL;
    PQfreemem(verifier);
    if (!lit || (until && !until_lit)) {
        PQfreemem(lit);
        PQfreemem(until_lit);
        *err = xasprintf("cannot quote the verifier of %s", role);
        return -1;
    }
    char *sql = xasprintf("ALTER ROLE %s LOGIN PASSWORD %s%s%s", role, lit,
                          until_lit ? " VALID UNTIL " : "", until_lit ? until_lit : "");
    char *what = xasprintf("setting the password of %s", role);
    int rc = stage_exec_sql(c, sql, what, err);
    free(what);
    free(sql);
    PQfreemem(lit);
    PQfreemem(until_lit);
    return rc;
}

/* ------------------------------------------------------------------ evidence */


void stage_evidence_free(evidence *e)
{
    free(e->version);
    free(e->short_version);
    free(e->database);
    free(e->user);
    free(e->row_security);
    free(e->schemas);
    sb_free(&e->grants);
    sb_free(&e->bootstrap);
}

/* $1: the automation role; $2: the families' schemas (text[]). */
static const char GRANTS_SQL[] =
    "SELECT table_schema || '.' || table_name,"
    "       string_agg(privilege_type, ', ' ORDER BY privilege_type)"
    "  FROM information_schema.role_table_grants"
    " WHERE grantee = $1 AND table_schema = ANY ($2::text[])"
    " GROUP BY table_schema, table_name ORDER BY 1";

static const char SCHEMA_PRIVS_SQL[] =
    "SELECT s, concat_ws(', ', CASE WHEN has_schema_privilege($1, s, 'USAGE')"
    "                          THEN 'USAGE' END,"
    "                     CASE WHEN has_schema_privilege($1, s, 'CREATE')"
    "                          THEN 'CREATE' END)"
    "  FROM unnest($2::text[]) AS s WHERE to_regnamespace(s) IS NOT NULL ORDER BY 1";

/* A PostgreSQL array literal {"a","b"} of names. */
static char *array_literal(const char *const *names, size_t n)
{
    strbuf sb = {0};
    sb_addc(&sb, '{');
    for (size_t i = 0; i < n; i++) {
        sb_adds(&sb, i ? ",\"" : "\"");
        for (const char *p = names[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                sb_addc(&sb, '\\');
            sb_addc(&sb, *p);
        }
        sb_addc(&sb, '"');
    }
    sb_addc(&sb, '}');
    return sb_detach(&sb, NULL);
}

static const char BOOTSTRAP_SQL[] =
    "SELECT item, CASE healthy WHEN true THEN 'yes' WHEN false THEN 'NO' ELSE '?' END,"
    "       to_char(set_up_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || 'Z'"
    "  FROM audit.bootstrap_status";

/* Collects the evidence: what is about the automation role through its own
   connection, the rest through the admin's. */
int stage_collect_evidence(const policy *p, PGconn *admin, PGconn *codex, evidence *e,
                            char **err)
{
    memset(e, 0, sizeof(*e));
    int v = PQserverVersion(admin);
    e->short_version = xasprintf("%d.%d", v / 10000, v % 10000);
    if (!(e->version = sql_value(admin, "SELECT version()", "version()", err)))
        return -1;
    PGresult *r = stage_run_sql(codex, "SELECT current_database(), current_user", 0, NULL,
                          "current_database(), current_user as the automation role", err);
    if (!r)
        return -1;
    e->database = xstrdup(PQgetvalue(r, 0, 0));
    e->user = xstrdup(PQgetvalue(r, 0, 1));
    PQclear(r);
    if (!(e->row_security = sql_value(codex, "SHOW row_security", "SHOW row_security", err)))
        return -1;
    size_t nall, nfam = 0;
    const char **all = provision_schemas(p, &nall);
    const char **fam = xcalloc(nall ? nall : 1, sizeof(char *));
    for (size_t i = 0; i < nall; i++)
        if (policy_family_of(p, all[i]))
            fam[nfam++] = all[i];
    char *all_text = array_literal(all, nall), *fam_text = array_literal(fam, nfam);
    free(all);
    free(fam);
    const char *automation = policy_automation_role(p)->name;
    const char *sp[] = {all_text}, *gp[] = {automation, fam_text};
    r = stage_run_sql(admin,
                "SELECT coalesce(string_agg(schema_name, ', ' ORDER BY schema_name), '')"
                "  FROM information_schema.schemata WHERE schema_name = ANY ($1::text[])",
                1, sp, "the schemas", err);
    if (r) {
        e->schemas = xstrdup(PQgetvalue(r, 0, 0));
        PQclear(r);
        r = stage_run_sql(admin, SCHEMA_PRIVS_SQL, 2, gp, "the automation role's schema privileges",
                    err);
    }
    if (!r) {
        free(all_text);
        free(fam_text);
        return -1;
    }
    for (int i = 0; i < PQntuples(r); i++)
        sb_addf(&e->grants, "schema %s: %s\n", PQgetvalue(r, i, 0),
                *PQgetvalue(r, i, 1) ? PQgetvalue(r, i, 1) : "none");
    PQclear(r);
    r = stage_run_sql(admin, GRANTS_SQL, 2, gp, "the automation role's grants", err);
    free(all_text);
    free(fam_text);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        sb_addf(&e->grants, "%s: %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    PQclear(r);
    if (!(r = stage_run_sql(admin, BOOTSTRAP_SQL, 0, NULL, "audit.bootstrap_status", err)))
        return -1;
    int width = 4;
    for (int i = 0; i < PQntuples(r); i++)
        if ((int)strlen(PQgetvalue(r, i, 0)) > width)
            width = (int)strlen(PQgetvalue(r, i, 0));
    sb_addf(&e->bootstrap, "%-*s  %-7s  %s\n", width, "item", "healthy", "set up at");
    for (int i = 0; i < PQntuples(r); i++) {
        sb_addf(&e->bootstrap, "%-*s  %-7s  %s\n", width, PQgetvalue(r, i, 0),
                PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
        if (strcmp(PQgetvalue(r, i, 1), "yes") != 0)
            e->unhealthy = true;
    }
    PQclear(r);
    return 0;
}

/* Prints "  label:  first line" and the other lines aligned under it. */
static void print_block(FILE *out, const char *label, const char *text)
{
    const char *p = text && *text ? text : "none\n";
    bool first = true;
    while (*p) {
        size_t n = strcspn(p, "\n");
        fprintf(out, "  %-18s %.*s\n", first ? label : "", (int)n, p);
        first = false;
        p += n + (p[n] == '\n');
    }
}

void stage_print_evidence(stage *s, const evidence *e, const marker *m)
{
    FILE *out = s->o->out;
    fprintf(out, "stage up: PostgreSQL %s on 127.0.0.1:%d, database %s (%s)\n",
            e->short_version, m->port, m->database, s->shown);
    print_block(out, "version():", e->version);
    print_block(out, "current_database:", e->database);
    print_block(out, "current_user:", e->user);
    print_block(out, "row_security:", e->row_security);
    print_block(out, "schemas:", e->schemas);
    print_block(out, "codex grants:", e->grants.buf);
    print_block(out, "bootstrap_status:", e->bootstrap.buf);
    char left[32];
    stage_format_left(m->ttl_seconds, left, sizeof(left));
    fprintf(out, "env files (mode 0600; the passwords are in them, never printed):\n");
    fprintf(out, "  %s    %s\n", s->shown_env_admin, m->admin);
    fprintf(out, "  %s  %s, valid until %s (%s)\n", s->shown_env_staging, m->automation,
            m->expires, left);
    /* the operator applies (it writes the audit trail), as the bundle's role */
    fprintf(out, "use: pgward apply --env-file %s --set-role BUNDLE\n", s->shown_env_admin);
    if (e->unhealthy)
        fprintf(s->o->err, "pgward: warning: audit.bootstrap_status reports an item that "
                           "is not healthy\n");
}
