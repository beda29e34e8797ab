/*
 * version.h: pgward's own version and the PostgreSQL grammar it parses with: that
 * of the linked libpg_query, read from its header when pgward is built
 * (PGWARD_GRAMMAR_MAJOR, a compile definition CMake takes from pg_query.h's
 * PG_MAJORVERSION), so a newer libpg_query brings a newer grammar with no change here.
 */
#ifndef PGWARD_VERSION_H
#define PGWARD_VERSION_H

const char *pgward_version(void);
/* The full PostgreSQL version of the grammar ("15.1"). */
const char *pgward_grammar_version(void);
int pgward_grammar_version_num(void);
/* The grammar's major version (15). */
int pgward_grammar_major(void);
/* libpg_query's release ("15-4.0.0"), or "" when the build could not tell. */
const char *pgward_libpg_query_version(void);

#endif
