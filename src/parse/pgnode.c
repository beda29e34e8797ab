/*
 * pgnode.c: node kinds by name, from the table generated out of pg_query.proto;
 * see pgnode.h.
 */
#define PG_NODES_NAMES
#include "parse/pgnode.h"

static int cmp_kind(const void *key, const void *item)
{
    return strcmp((const char *)key, *(const char *const *)item);
}

pg_kind pg_kind_of(const char *key)
{
    const char *const *hit = bsearch(key, pg_kind_names + 1, PGK_COUNT - 1,
                                     sizeof(pg_kind_names[0]), cmp_kind);
    return hit ? (pg_kind)(hit - pg_kind_names) : PGK_NONE;
}

const char *pg_kind_name(pg_kind k)
{
    return (unsigned)k < PGK_COUNT ? pg_kind_names[k] : "";
}
