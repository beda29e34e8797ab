/*
 * version.h: pgward's own version and the PostgreSQL grammar version that the
 * linked libpg_query was built from (15.1 for Debian 12's libpg-query-dev).
 */
#ifndef PGWARD_VERSION_H
#define PGWARD_VERSION_H

const char *pgward_version(void);
const char *pgward_grammar_version(void);
int pgward_grammar_version_num(void);

#endif
