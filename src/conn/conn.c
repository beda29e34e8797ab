/*
 * conn.c: connection parameters from env files and --db, and safe descriptions of
 * a connection; see conn.h.
 */
#include "conn/conn.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "conn/redact.h"
#include "conn/wait.h"

#define MAX_ENV_FILE ((size_t)1 << 20)

static int env_error(char **err, const char *name, int line, int col, const char *what,
                     const char *key)
{
    if (key)
        *err = xasprintf("%s:%d:%d: %s '%s'", name, line, col, what, key);
    else
        *err = xasprintf("%s:%d:%d: %s", name, line, col, what);
    return -1;
}

/*
 * libpq's environment variables that are not connection parameters (they set the
 * session's defaults or libpq's files): known, so not typos, and not used here.
 */
static bool session_variable(const char *var)
{
    static const char *const names[] = {"PGDATESTYLE", "PGTZ", "PGGEQO", "PGSYSCONFDIR", "PGLOCALEDIR", "PGSERVICEFILE",
                                        "PGREQUIREPEER"};
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (strcmp(var, names[i]) == 0)
            return true;
    return false;
}

/* The libpq keyword read from environment variable var, or NULL. */
static char *keyword_for_envvar(const PQconninfoOption *defaults, const char *var)
{
    for (const PQconninfoOption *o = defaults; o && o->keyword; o++)
        if (o->envvar && strcmp(o->envvar, var) == 0)
            return xstrdup(o->keyword);
    return NULL;
}

static void params_add(conn_params *p, const char *key, const char *value)
{
    GROW(p->keys, p->cap, p->n + 1);
    /* keys and values grow together: same capacity */
    p->values = xrealloc(p->values, p->cap * sizeof(char *));
    p->keys[p->n] = xstrdup(key);
    p->values[p->n] = xstrdup(value);
    p->n++;
}

int conn_params_parse_env(const char *name, const char *text, size_t len, conn_params *out,
                          char **err)
{
    PQconninfoOption *defaults = PQconndefaults();
    int rc = 0, lineno = 0;
    size_t pos = 0;
    while (pos < len && rc == 0) {
        lineno++;
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + (nl ? 1 : 0);
        if (n > 0 && line[n - 1] == '\r')
            n--;
        size_t i = 0;
        while (i < n && (line[i] == ' ' || line[i] == '\t'))
            i++;
        if (i == n || line[i] == '#')
            continue;
        if (n - i > 7 && strncmp(line + i, "export", 6) == 0 &&
            (line[i + 6] == ' ' || line[i + 6] == '\t')) {
            i += 7;
            while (i < n && (line[i] == ' ' || line[i] == '\t'))
                i++;
        }
        size_t k0 = i;
        while (i < n && (line[i] == '_' || (line[i] >= 'A' && line[i] <= 'Z') ||
                         (line[i] >= 'a' && line[i] <= 'z') ||
                         (i > k0 && line[i] >= '0' && line[i] <= '9')))
            i++;
        if (i == k0) {
            rc = env_error(err, name, lineno, (int)k0 + 1, "expected KEY=VALUE", NULL);
            break;
        }
        if (i >= n || line[i] != '=') {
            rc = env_error(err, name, lineno, (int)i + 1, "expected '=' after the key", NULL);
            break;
        }
        char *key = xstrndup(line + k0, i - k0);
        i++;
        while (i < n && (line[i] == ' ' || line[i] == '\t'))
            i++; /* KEY= value: the value starts at its first non-blank */
        size_t value_col = i + 1;
        strbuf value = {0};
        if (i < n && (line[i] == '\'' || line[i] == '"')) {
            char q = line[i];
            size_t q0 = i++;
            while (i < n && line[i] != q) {
                /* as a shell: inside "...", a backslash escapes only " and \\ */
                if (q == '"' && line[i] == '\\' && i + 1 < n &&
                    (line[i + 1] == '"' || line[i + 1] == '\\'))
                    i++;
                sb_addc(&value, line[i++]);
            }
            if (i >= n) {
                rc = env_error(err, name, lineno, (int)q0 + 1, "unterminated quoted value",
                               NULL);
            } else {
                i++;
                while (i < n && (line[i] == ' ' || line[i] == '\t'))
                    i++;
                if (i < n && line[i] != '#')
                    rc = env_error(err, name, lineno, (int)i + 1,
                                   "unexpected text after the quoted value", NULL);
            }
        } else {
            size_t v0 = i, vend = n;
            for (size_t k = i; k < n; k++)
                if (line[k] == '#' && (k == v0 || line[k - 1] == ' ' || line[k - 1] == '\t')) {
                    vend = k;
                    break;
                }
            while (vend > v0 && (line[vend - 1] == ' ' || line[vend - 1] == '\t'))
                vend--;
            sb_add(&value, line + v0, vend - v0);
        }
        const char *nul = value.len ? memchr(value.buf, '\0', value.len) : NULL;
        if (rc == 0 && nul) {
            const char *at = memchr(line + value_col - 1, '\0', n - (value_col - 1));
            rc = env_error(err, name, lineno, at ? (int)(at - line) + 1 : (int)value_col,
                           "NUL byte in the value of", key);
        }
        if (rc == 0) {
            char *kw = keyword_for_envvar(defaults, key);
            if (kw)
                params_add(out, kw, value.buf ? value.buf : "");
            else if (strncmp(key, "PG", 2) == 0 && !session_variable(key))
                rc = env_error(err, name, lineno, (int)k0 + 1,
                               "unknown PostgreSQL connection variable", key);
            free(kw);
        }
        sb_free(&value);
        free(key);
    }
    PQconninfoFree(defaults);
    return rc;
}

int conn_params_read_env_file(const char *path, conn_params *out, char **err)
{
    char *data = NULL;
    size_t len = 0;
    if (read_whole_file(path, MAX_ENV_FILE, &data, &len, err) < 0)
        return -1;
    int rc = conn_params_parse_env(path, data, len, out, err);
    free(data);
    return rc;
}

void conn_params_free(conn_params *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->keys[i]);
        free(p->values[i]);
    }
    free(p->keys);
    free(p->values);
    memset(p, 0, sizeof(*p));
}

/*
 * The passwords a message about this connection could echo: every value of params
 * (a dbname may be a whole URI), --db, and libpq's PGPASSWORD/PGSSLPASSWORD.
 */
static char *redact_for(const char *message, const conn_params *params, const char *db)
{
    size_t n = params ? params->n : 0;
    const char **conninfos = xcalloc(n + 1, sizeof(char *));
    const char **secrets = xcalloc(n + 2, sizeof(char *));
    size_t ns = 0;
    conninfos[0] = db;
    for (size_t i = 0; i < n; i++) {
        conninfos[i + 1] = params->values[i];
        if (strcmp(params->keys[i], "password") == 0 ||
            strcmp(params->keys[i], "sslpassword") == 0)
            secrets[ns++] = params->values[i];
    }
    secrets[ns++] = getenv("PGPASSWORD");
    secrets[ns++] = getenv("PGSSLPASSWORD");
    char *r = conn_redact(message, conninfos, n + 1, secrets, ns);
    free(conninfos);
    free(secrets);
    return r;
}

/*
 * libpq's parse errors quote the token they stopped at, which may be a piece of a
 * password ("password=my secret" stops at "secret"): a quoted token is kept only
 * when it is a libpq keyword or punctuation, else hidden.
 */
static char *hide_parse_tokens(const char *m)
{
    PQconninfoOption *opts = PQconndefaults();
    strbuf out = {0};
    bool hidden = false;
    for (const char *p = m; *p;) {
        const char *q = strchr(p, '"');
        const char *e = q ? strchr(q + 1, '"') : NULL;
        if (!e) {
            sb_adds(&out, p);
            break;
        }
        sb_add(&out, p, (size_t)(q - p) + 1);
        size_t len = (size_t)(e - q - 1);
        bool keep = len == 1 && strchr("=[]", q[1]);
        for (const PQconninfoOption *o = opts; o && o->keyword && !keep && len > 0; o++)
            keep = strlen(o->keyword) == len && memcmp(o->keyword, q + 1, len) == 0;
        if (keep) {
            sb_add(&out, q + 1, len);
        } else {
            sb_adds(&out, CONN_REDACTED);
            hidden = true;
        }
        sb_addc(&out, '"');
        p = e + 1;
    }
    if (hidden)
        sb_adds(&out, " (the value is not shown: it may hold a password)");
    PQconninfoFree(opts);
    return sb_detach(&out, NULL);
}

/*
 * A URI whose user name or password holds a raw '@' (or a '/' before its '@') is
 * read by libpq with part of the password as the host or port, which its errors
 * then print: refused before libpq sees it.
 */
static bool uri_ambiguous(const char *db)
{
    size_t start;
    if (strncmp(db, "postgresql://", 13) == 0)
        start = 13;
    else if (strncmp(db, "postgres://", 11) == 0)
        start = 11;
    else
        return false;
    size_t ats = 0;
    bool slash = false;
    for (const char *p = db + start; *p && *p != '?'; p++) {
        if (*p == '/')
            slash = true;
        if (*p == '@' && (++ats > 1 || slash))
            return true;
    }
    return false;
}

/* TCP keepalives on pgward's side of every connection: a server that vanished is
   noticed after about a minute of silence (30 s, then 3 probes 10 s apart) instead
   of the kernel's two hours; --db or the env file may set other values. */
static const char *const keepalive_keys[][2] = {{"keepalives", "1"},
                                                {"keepalives_idle", "30"},
                                                {"keepalives_interval", "10"},
                                                {"keepalives_count", "3"}};

int conn_check_db(const conn_params *params, const char *db, char **err)
{
    if (!db || !*db)
        return 0;
    if (uri_ambiguous(db)) {
        *err = xstrdup("invalid --db: a URI's user name and password must percent-encode "
                       "'@' (%40) and '/' (%2F)");
        return -1;
    }
    char *perr = NULL;
    PQconninfoOption *parsed = PQconninfoParse(db, &perr);
    if (parsed) {
        PQconninfoFree(parsed);
        return 0;
    }
    size_t plen = perr ? strlen(perr) : 0;
    while (plen > 0 && (perr[plen - 1] == '\n' || perr[plen - 1] == ' '))
        perr[--plen] = '\0';
    char *hidden = hide_parse_tokens(perr ? perr : "cannot parse");
    char *m = xasprintf("invalid --db: %s", hidden);
    *err = redact_for(m, params, db);
    free(m);
    free(hidden);
    PQfreemem(perr);
    return -1;
}

PGconn *conn_open(const conn_params *params, const char *db, const char *application_name,
                  char **err)
{
    if (conn_interrupt_gave_up()) {
        *err = xstrdup("not connecting again: the server did not answer after the signal");
        return NULL;
    }
    if (conn_interrupt_take()) {
        *err = xstrdup("interrupted by a signal before connecting");
        return NULL;
    }
    if (conn_check_db(params, db, err) < 0)
        return NULL;
    size_t n = (params ? params->n : 0) + 3 + ARRAY_SIZE(keepalive_keys);
    const char **keys = xcalloc(n, sizeof(char *));
    const char **values = xcalloc(n, sizeof(char *));
    size_t k = 0;
    /*
     * libpq expands only the first dbname (as a conninfo string or URI), and later
     * keywords override it: so --db goes first and the env file's keys are added
     * only where --db does not set the same keyword. --db wins, then the env file,
     * then libpq's own PG* environment variables.
     */
    if (db && *db) {
        keys[k] = "dbname";
        values[k++] = db;
    }
    /* conn_check_db() above: it parses */
    PQconninfoOption *parsed = db && *db ? PQconninfoParse(db, NULL) : NULL;
    for (size_t i = 0; params && i < params->n; i++) {
        bool set_by_db = false;
        for (const PQconninfoOption *o = parsed; o && o->keyword; o++)
            if (o->val && strcmp(o->keyword, params->keys[i]) == 0)
                set_by_db = true;
        if (!set_by_db) {
            keys[k] = params->keys[i];
            values[k++] = params->values[i];
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(keepalive_keys); i++) {
        bool given = false;
        for (const PQconninfoOption *o = parsed; o && o->keyword; o++)
            if (o->val && strcmp(o->keyword, keepalive_keys[i][0]) == 0)
                given = true;
        for (size_t j = 0; params && j < params->n; j++)
            if (strcmp(params->keys[j], keepalive_keys[i][0]) == 0)
                given = true;
        if (!given) {
            keys[k] = keepalive_keys[i][0];
            values[k++] = keepalive_keys[i][1];
        }
    }
    PQconninfoFree(parsed);
    keys[k] = "application_name";
    values[k++] = application_name;
    keys[k] = NULL;
    values[k] = NULL;
    PGconn *c = PQconnectdbParams(keys, values, 1);
    free(keys);
    free(values);
    if (!c) {
        *err = xstrdup("out of memory connecting to PostgreSQL");
        return NULL;
    }
    if (PQstatus(c) != CONNECTION_OK) {
        char *m = conn_error_message(c, NULL);
        *err = redact_for(m, params, db);
        free(m);
        PQfinish(c);
        return NULL;
    }
    return c;
}

int conn_guard_session(PGconn *c, char **err)
{
    /* the server's side: a client gone silent is noticed after about a minute idle
       (keepalives), a closed one within 5 s while a statement runs
       (client_connection_check_interval, PostgreSQL 14+); both only for this session */
    const char *sql =
        PQserverVersion(c) >= 140000
            ? "SELECT pg_catalog.set_config('tcp_keepalives_idle', '30', false), "
              "pg_catalog.set_config('tcp_keepalives_interval', '10', false), "
              "pg_catalog.set_config('tcp_keepalives_count', '3', false), "
              "pg_catalog.set_config('client_connection_check_interval', '5s', false)"
            : "SELECT pg_catalog.set_config('tcp_keepalives_idle', '30', false), "
              "pg_catalog.set_config('tcp_keepalives_interval', '10', false), "
              "pg_catalog.set_config('tcp_keepalives_count', '3', false)";
    PGresult *r = conn_exec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        char *m = conn_error_message(c, r);
        *err = xasprintf("cannot set the session's keepalives: %s", m);
        free(m);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    return 0;
}

char *conn_describe(PGconn *c)
{
    const char *host = PQhost(c);
    return xasprintf("%s@%s:%s/%s", PQuser(c), host && *host ? host : "localhost", PQport(c),
                     PQdb(c));
}

const char *conn_sqlstate(const PGresult *r)
{
    const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return s ? s : "";
}

char *conn_error_message(PGconn *c, const PGresult *r)
{
    const char *m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!m || !*m)
        m = r ? PQresultErrorMessage(r) : NULL;
    if (!m || !*m)
        m = c ? PQerrorMessage(c) : "";
    char *s = xstrdup(m ? m : "");
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = '\0';
    /* libpq's multi-line messages ("...\n\tThis probably means ...") on one line */
    for (char *p = s; *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
    for (char *p = s; (p = strstr(p, "  ")) != NULL;)
        memmove(p, p + 1, strlen(p + 1) + 1);
    if (strncmp(s, "FATAL: ", 7) == 0 || strncmp(s, "ERROR: ", 7) == 0)
        memmove(s, s + 7, strlen(s + 7) + 1);
    if (strncmp(s, "FATAL:  ", 8) == 0 || strncmp(s, "ERROR:  ", 8) == 0)
        memmove(s, s + 8, strlen(s + 8) + 1);
    /* a server may quote a database name that was a URI, password and all */
    char *safe = conn_redact(s, NULL, 0, NULL, 0);
    free(s);
    return safe;
}
