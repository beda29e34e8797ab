/*
 * conn.c: connection parameters from env files and --db, and safe descriptions of
 * a connection; see conn.h.
 */
#include "conn/conn.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

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

PGconn *conn_open(const conn_params *params, const char *db, const char *application_name,
                  char **err)
{
    size_t n = (params ? params->n : 0) + 3;
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
    PQconninfoOption *parsed = NULL;
    if (db && *db) {
        char *perr = NULL;
        parsed = PQconninfoParse(db, &perr);
        if (!parsed) {
            size_t plen = perr ? strlen(perr) : 0;
            while (plen > 0 && (perr[plen - 1] == '\n' || perr[plen - 1] == ' '))
                perr[--plen] = '\0';
            *err = xasprintf("invalid --db: %s", perr ? perr : "cannot parse");
            PQfreemem(perr);
            free(keys);
            free(values);
            return NULL;
        }
    }
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
        *err = conn_error_message(c, NULL);
        PQfinish(c);
        return NULL;
    }
    return c;
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
    return s;
}
