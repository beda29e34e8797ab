/*
 * analyze.h: what one statement does, read off its parse tree.
 *
 * analyze_statement() walks the libpg_query tree of a statement (parsed once by
 * the front end) and records its statement classes (policy.h CLASS_*), every
 * relation it reads, writes or defines (schema-qualified through the script's
 * tracked search_path, CTE names excluded), the functions it calls, and the script
 * state it changes (search_path, role, session authorization, row_security).
 * Statements are analysed in script order with one analysis_state per script.
 *
 *   analysis_state as = analysis_state_init();
 *   for each statement st: { stmt_facts f; analyze_statement(st, &as, &f); ...; stmt_facts_free(&f); }
 *   analysis_state_free(&as);
 *
 * No global state: scripts can be analysed on parallel threads.
 */
#ifndef PGWARD_ANALYZE_H
#define PGWARD_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>

#include "script/script.h"

enum { ACC_READ = 1, ACC_WRITE = 2, ACC_DEFINE = 4 };

typedef struct rel_ref {
    char *schema;        /* resolved schema (never NULL) */
    char *name;          /* relation name, or NULL for the schema itself (CREATE SCHEMA) */
    unsigned access;     /* ACC_* */
    unsigned classes;    /* the CLASS_* this access needs (select, insert, ddl, ...) */
    long location;       /* byte offset in the statement text, or -1 */
    bool ambiguous;      /* unqualified, and search_path offers several schemas */
} rel_ref;

typedef struct stmt_facts {
    unsigned classes;        /* CLASS_* bits of everything the statement does */
    rel_ref *rels;
    size_t nrels, caprels;
    char **functions;        /* functions and procedures called, as written (schema.name) */
    long *function_locs;
    bool *function_is_procedure; /* called by CALL (pg_catalog has no procedures) */
    size_t nfunctions, capfunctions;
    bool unparsed;           /* the parser rejected it: nothing is known */
    bool dynamic;            /* DO block or other code the analysis cannot see into */
    const char *dynamic_what;
    const char *identity_change; /* what changes who the session is, or NULL */
    const char *server_access;   /* COPY to/from a server file or program, LOAD, ... */
    bool search_path_unknown;    /* set_config('search_path', ...): unknown afterwards */
} stmt_facts;

typedef struct analysis_state {
    char **search_path;      /* current search_path entries */
    size_t nsearch, capsearch;
    bool path_unknown;       /* a transaction end may have undone a SET: unknown */
    bool in_txn;             /* inside BEGIN ... COMMIT/ROLLBACK */
    bool set_in_txn;         /* search_path SET since BEGIN */
    bool local_in_txn;       /* search_path SET LOCAL since BEGIN */
} analysis_state;

analysis_state analysis_state_init(void);
void analysis_state_free(analysis_state *as);

void analyze_statement(const statement *st, analysis_state *as, stmt_facts *out);

/* Adds (or merges) a relation reference into f, as the analysis itself would. */
void stmt_facts_add_rel(stmt_facts *f, const char *schema, const char *name, unsigned access,
                        unsigned classes, long location);
void stmt_facts_free(stmt_facts *f);

#endif
