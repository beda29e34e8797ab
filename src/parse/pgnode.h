/*
 * pgnode.h: reading libpg_query's JSON parse trees with cJSON, the few accessors
 * every analysis uses. Node and field names come from the generated PGN_* and
 * PGF_* constants (pg_nodes.h), so a misspelt name does not compile.
 *
 *   const cJSON *rel = field(stmt, PGF_relation);
 *   const char *name = str_field(rel, PGF_relname);   // NULL when absent
 */
#ifndef PGWARD_PGNODE_H
#define PGWARD_PGNODE_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "pg_nodes.h"

/* The member name of node o, or NULL (o may be NULL). The first byte is compared
   before the rest: most members of a node differ there, and this runs per node. */
static inline const cJSON *field(const cJSON *o, const char *name)
{
    if (!o || !cJSON_IsObject(o))
        return NULL;
    for (const cJSON *c = o->child; c; c = c->next)
        if (c->string && c->string[0] == name[0] && strcmp(c->string, name) == 0)
            return c;
    return NULL;
}

/* The string member name of o, or NULL when absent or not a string. */
static inline const char *str_field(const cJSON *o, const char *name)
{
    const cJSON *v = field(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Whether the member name of o is true (absent: false, as libpg_query omits false). */
static inline bool bool_field(const cJSON *o, const char *name)
{
    return cJSON_IsTrue(field(o, name));
}

/* The byte offset in the statement text that node o's "location" gives, or -1. */
static inline long location_of(const cJSON *o)
{
    const cJSON *loc = field(o, PGF_location);
    return cJSON_IsNumber(loc) && loc->valuedouble >= 0 ? (long)loc->valuedouble : -1;
}

/* Whether s is non-NULL and equal to want. */
static inline bool str_is(const char *s, const char *want)
{
    return s && strcmp(s, want) == 0;
}

/* The node kind named by key ("SelectStmt"), or PGK_NONE. */
pg_kind pg_kind_of(const char *key);

/* The node name of kind k. */
const char *pg_kind_name(pg_kind k);

/*
 * The kind of a node object ({"SelectStmt": {...}}: one member whose name starts
 * with a capital), or PGK_NONE; *fields gets the member (may be NULL).
 */
static inline pg_kind node_kind(const cJSON *o, const cJSON **fields)
{
    const cJSON *only = o && cJSON_IsObject(o) ? o->child : NULL;
    if (fields)
        *fields = only;
    if (!only || only->next || !cJSON_IsObject(only) || !only->string ||
        only->string[0] < 'A' || only->string[0] > 'Z')
        return PGK_NONE;
    return pg_kind_of(only->string);
}

/* Whether c can be part of an unquoted identifier. */
static inline bool ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* The string of a {"String": {"sval": ...}} node, or NULL. */
static inline const char *string_node(const cJSON *n)
{
    return str_field(field(n, PGN_String), PGF_sval);
}

/* The text a psql variable known only at run time reads as when quoted as a
   literal (:'var'): a string constant whose value is not known (see const_string). */
#define RUNTIME_LITERAL_TEXT "pgward:value-known-at-run-time"
/* ... and quoted as an identifier (:"var"): a name the gate cannot resolve. */
#define RUNTIME_IDENT_TEXT "?column?"

/* The sval of an {"A_Const": {"sval": {"sval": ...}}} node, or NULL (also for the
   placeholder of a run-time value: it names nothing known). */
static inline const char *const_string(const cJSON *n)
{
    const char *s = str_field(field(field(n, PGN_A_Const), PGF_sval), PGF_sval);
    return s && strcmp(s, RUNTIME_LITERAL_TEXT) == 0 ? NULL : s;
}

/* The A_Const of a constant boolean true expression (USING (true)), or NULL. */
static inline const cJSON *true_const(const cJSON *expr)
{
    const cJSON *ac = field(expr, PGN_A_Const);
    return cJSON_IsTrue(field(field(ac, PGF_boolval), PGF_boolval)) ? ac : NULL;
}

/* The sval of the String at index i of a name list (negative: from the end). */
static inline const char *list_str(const cJSON *list, int i)
{
    int n = cJSON_GetArraySize(list);
    if (i < 0)
        i += n;
    return i >= 0 && i < n ? string_node(cJSON_GetArrayItem(list, i)) : NULL;
}

/* The names of a name list (["s", "f"]) joined with dots ("s.f"), malloc'd; NULL
   when it holds none. */
char *dotted_name(const cJSON *items);

/* A boolean option of a list as PostgreSQL's defGetBoolean() reads it (absent:
   false; no argument: true). */
bool option_true(const cJSON *list, const char *name);

/* The DefElem named name in a list of DefElem nodes (an options list), or NULL. */
static inline const cJSON *find_option(const cJSON *list, const char *name)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, list) {
        const cJSON *d = field(it, PGN_DefElem);
        if (d && str_is(str_field(d, PGF_defname), name))
            return d;
    }
    return NULL;
}

#endif
