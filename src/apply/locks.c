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
    "SELECT l.relation::pg_catalog.text, "
    "CASE WHEN n.nspname OPERATOR(pg_catalog.~~) 'pg\\_temp\\_%' THEN 'pg_temp' "
    "ELSE n.nspname::pg_catalog.text END, c.relname::pg_catalog.text, l.mode "
    "FROM pg_catalog.pg_locks l "
    "LEFT JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) l.relation "
    "LEFT JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
    "WHERE l.locktype OPERATOR(pg_catalog.=) 'relation' AND l.granted "
    "AND l.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() "
    "AND l.database OPERATOR(pg_catalog.=) (SELECT d.oid FROM pg_catalog.pg_database d "
    "    WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()) "
    "AND (n.nspname IS NULL OR NOT (n.nspname OPERATOR(pg_catalog.=) ANY "
    "    ('{pg_catalog,information_schema}'::pg_catalog.name[]) "
    "    OR n.nspname OPERATOR(pg_catalog.~~) 'pg\\_toast%')) "
    "AND NOT (c.relkind OPERATOR(pg_catalog.=) ANY ('{i,I}'::pg_catalog.\"char\"[]) "
    "    AND l.mode OPERATOR(pg_catalog.=) ANY "
    "    ('{AccessShareLock,RowShareLock,RowExclusiveLock}'::pg_catalog.text[])) "
    "ORDER BY 2, 3, 1, 4";

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
        if (find(t, oid, mode, false))
            continue;
        /* a relation dropped by now: the name it had when the transaction first
           locked it, else its oid */
        const lock_held *known = find(t, oid, NULL, true);
        char *relation = !PQgetisnull(res, i, 2)
                             ? xasprintf("%s.%s", PQgetvalue(res, i, 1), PQgetvalue(res, i, 2))
                         : known ? xstrdup(known->relation)
                                 : xasprintf("dropped relation (oid %u)", oid);
        bool created = known ? known->created
                             : created_name && !PQgetisnull(res, i, 2) &&
                                   strcmp(PQgetvalue(res, i, 2), created_name) == 0 &&
                                   (!created_schema ||
                                    strcmp(PQgetvalue(res, i, 1), created_schema) == 0);
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
