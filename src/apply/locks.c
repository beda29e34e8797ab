/*
 * locks.c: which relation locks a statement took, from the locks its session holds
 * after it; see locks.h.
 */
#include "apply/locks.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "parse/pgnode.h"
#include "parse/sqlparse.h"

const char apply_locks_sql[] =
    "SELECT l.relation::pg_catalog.text, o.schema, o.name, l.mode, o.type "
    "FROM pg_catalog.pg_lock_status() l, "
    "pg_catalog.pg_identify_object(1259::pg_catalog.oid, l.relation, 0) o "
    "WHERE l.locktype OPERATOR(pg_catalog.=) 'relation' AND l.granted "
    "AND l.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() "
    "AND l.relation OPERATOR(pg_catalog.>=) 16384::pg_catalog.oid";

/* What a listed lock is not about: a TOAST table's (its table's says it), an index's
   weak ones (a query takes them with its table's). */
static bool left_out(const char *type, const char *mode)
{
    if (strcmp(type, "toast table") == 0)
        return true;
    return strcmp(type, "index") == 0 &&
           (strcmp(mode, "AccessShareLock") == 0 || strcmp(mode, "RowShareLock") == 0 ||
            strcmp(mode, "RowExclusiveLock") == 0);
}

static lock_held *find(lock_tracker *t, unsigned oid, const char *mode, bool any_mode)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->held[i].oid == oid && (any_mode || strcmp(t->held[i].mode, mode) == 0))
            return &t->held[i];
    return NULL;
}

bool lock_created_relation(const char *text, char **schema, char **name)
{
    parsed_sql p = sql_parse(text);
    const cJSON *rel = NULL;
    const char *index = NULL;
    if (p.nstmts == 1) {
        const char *kind = sql_node_kind(p.stmts[0]);
        const cJSON *f = sql_node_fields(p.stmts[0]);
        if (str_is(kind, "CreateStmt"))
            rel = field(f, "relation");
        else if (str_is(kind, "CreateTableAsStmt"))
            rel = field(field(f, "into"), "rel");
        else if (str_is(kind, "ViewStmt"))
            rel = field(f, "view");
        else if (str_is(kind, "CreateSeqStmt"))
            rel = field(f, "sequence");
        else if (str_is(kind, "IndexStmt") && (index = str_field(f, "idxname")) != NULL)
            rel = field(f, "relation"); /* an index lives in its table's schema */
    }
    const char *relname = index ? index : str_field(rel, "relname");
    bool found = relname != NULL;
    if (found) {
        const char *s = str_field(rel, "schemaname");
        *schema = s ? xstrdup(s) : NULL;
        *name = xstrdup(relname);
    }
    parsed_sql_free(&p);
    return found;
}

cJSON *lock_tracker_take(lock_tracker *t, const PGresult *res, const char *created_schema,
                         const char *created_name)
{
    cJSON *taken = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(res); i++) {
        unsigned oid = (unsigned)strtoul(PQgetvalue(res, i, 0), NULL, 10);
        const char *mode = PQgetvalue(res, i, 3);
        if (left_out(PQgetvalue(res, i, 4), mode) || find(t, oid, mode, false))
            continue;
        /* a temporary relation's schema is the session's own pg_temp_N */
        const char *schema = strncmp(PQgetvalue(res, i, 1), "pg_temp_", 8) == 0
                                 ? "pg_temp"
                                 : PQgetvalue(res, i, 1);
        /* a relation dropped by now: the name it had when the transaction first
           locked it, else its oid */
        const lock_held *known = find(t, oid, NULL, true);
        char *relation = !PQgetisnull(res, i, 2)
                             ? xasprintf("%s.%s", schema, PQgetvalue(res, i, 2))
                         : known ? xstrdup(known->relation)
                                 : xasprintf("dropped relation (oid %u)", oid);
        bool created = known ? known->created
                             : created_name && !PQgetisnull(res, i, 2) &&
                                   strcmp(PQgetvalue(res, i, 2), created_name) == 0 &&
                                   (!created_schema ||
                                    strcmp(schema, created_schema) == 0);
        GROW(t->held, t->cap, t->n + 1);
        t->held[t->n++] = (lock_held){
            .oid = oid, .mode = xstrdup(mode), .relation = relation, .created = created};
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "relation", relation);
        cJSON_AddStringToObject(o, "mode", mode);
        if (created)
            cJSON_AddBoolToObject(o, "created", true);
        cJSON_AddItemToArray(taken, o);
    }
    return taken;
}

void lock_tracker_reset(lock_tracker *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->held[i].mode);
        free(t->held[i].relation);
    }
    t->n = 0;
}

void lock_tracker_free(lock_tracker *t)
{
    lock_tracker_reset(t);
    free(t->held);
    memset(t, 0, sizeof(*t));
}
