/*
 * version.c: the version line printed by `pgward --version`, and the grammar's.
 */
#include "base/version.h"

#include <pg_query.h>

/* CMake read the major from this same header: they cannot disagree */
_Static_assert(PG_VERSION_NUM / 10000 == PGWARD_GRAMMAR_MAJOR,
               "PGWARD_GRAMMAR_MAJOR is not pg_query.h's major version");

const char *pgward_version(void)
{
    return PGWARD_VERSION;
}

const char *pgward_grammar_version(void)
{
    return PG_VERSION;
}

int pgward_grammar_version_num(void)
{
    return PG_VERSION_NUM;
}

int pgward_grammar_major(void)
{
    return PGWARD_GRAMMAR_MAJOR;
}

const char *pgward_libpg_query_version(void)
{
    return PGWARD_LIBPG_QUERY_VERSION;
}
