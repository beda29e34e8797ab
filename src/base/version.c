/*
 * version.c: the version line printed by `pgward --version`.
 */
#include "base/version.h"

#include <pg_query.h>

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
