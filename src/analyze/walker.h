/*
 * walker.h: what the analysis's own files share (analyze.c starts a walk; walk.c
 * walks; record.c records what it finds; ddl.c reads DDL's meaning off a node;
 * bodies.c parses and walks bodies; txn.c, session.c). Not for other layers.
 */
#ifndef PGWARD_WALKER_H
#define PGWARD_WALKER_H

#include "analyze/facts.h"
#include "analyze/session.h"
#include "parse/pgnode.h"

/* Arena memory that lives as long as the facts. */
void *facts_alloc(stmt_facts *f, size_t n);
/* Hands a parse result (and/or a JSON tree) to the facts, freed with them. */
void facts_own_parse(stmt_facts *f, parsed_sql *p, cJSON *json);

/* Appends one element to a facts array (arr, n, cap) and returns it, zeroed. */
#define FACTS_PUSH(arr, n, cap) \
    (GROW(arr, cap, (n) + 1), memset(&(arr)[n], 0, sizeof((arr)[0])), &(arr)[(n)++])

/* Nodes nested more deeply than this are not walked: the statement is unprovable. */
#define MAX_WALK_DEPTH 200
/* Bodies inside bodies deeper than this are not analysed. */
#define MAX_BODY_DEPTH 4

/* The walker: one walk of one tree (a unit, or a statement inside a body). */
typedef struct walker {
    stmt_facts *f;
    const session *sess;
    size_t unit;
    int body;                /* -1: the statement's own tree; else the body index */
    long body_base;          /* offset of the walked SQL in the statement text, or -1 */
    long line_start;         /* PL/pgSQL: offset of the current line, or -1 */
    const char *sql;         /* the SQL being walked when it is not the unit's (a body
                                statement): what bodies found in it are parsed from */
    size_t sql_len;
    long sql_base;           /* where sql starts in the statement text, or -1 */
    const char **ctes;       /* CTE names in scope */
    size_t nctes, capctes;
    int depth;               /* node depth */
    int body_depth;          /* bodies analysed inside bodies */
    int no_dml;              /* inside a rule action, a function's SQL body, PREPARE */
    int path;                /* the search_path in force (stmt_facts.paths), or -1: the
                                session's (the statement's own tree, a DO block's start) */
    bool plan_only;          /* plain EXPLAIN: everything is only read */
} walker;

/* walk.c: the walk (recursive) */

/* Walks a statement node (top level or nested) of kind k with fields fl. */
void walk_statement(walker *w, pg_kind k, const cJSON *fl);
void walk_node(walker *w, const cJSON *v, unsigned acc, unsigned classes);
void walk_rest(walker *w, const cJSON *fields, const char *const *skip, size_t nskip,
               unsigned acc, unsigned classes);

/* record.c: what the walk records (no walking) */

/* A location in the statement text for node location loc of the walked SQL. */
long walk_loc(const walker *w, long loc);
/* The location of the unit being walked (its start), or of the body's line. */
long walk_unit_loc(const walker *w);
/* Marks the statement as holding code the analysis cannot see into. */
void walk_mark_dynamic(walker *w, const char *what);
/* Whether name is a WITH query in scope. */
bool walk_is_cte(const walker *w, const char *name);
void walk_add_rel(walker *w, const char *schema, const char *name, unsigned acc,
                  unsigned classes, long loc, bool temp);
void walk_rangevar(walker *w, const cJSON *rv, unsigned acc, unsigned classes);
void record_call(walker *w, const cJSON *names, long loc, bool procedure, bool op,
                 const cJSON *node);
/* nextval()/setval() (a write of the sequence), set_config() (a setting). */
/* An operator, type or function named without a schema and looked up (facts.h:
   path_ref); context: how it is used, or NULL. */
void record_path_ref(walker *w, lookup_kind kind, const char *name, const char *context,
                     long loc);
/* A TypeName's names, when unqualified (context: path_ref.context). */
void record_type_name(walker *w, const cJSON *type_name, const char *context, long loc);
void record_special_call(walker *w, const cJSON *call, long loc);
void walk_variable_set(walker *w, const cJSON *vs, setting_scope scope, long loc);
void walk_defined(walker *w, const char *name);
obj_ref *walk_object(walker *w, obj_action action, obj_kind kind, qname name, unsigned flags,
                     long loc, const cJSON *node);
void record_lock(walker *w, qname rel, long loc, bool aex);
/* A GRANT's (GrantStmt fields, or NULL) grantees, when PUBLIC is among them. */
void record_public_grant(walker *w, const cJSON *grant);

/* ddl.c: what DDL means, read off its node (no walking) */

/* Objects (when own: the unit's statement), locks and defined names of k. */
void ddl_describe(walker *w, pg_kind k, const cJSON *f, bool own);
void ddl_create_schema(walker *w, const cJSON *f, bool record);
void ddl_drop(walker *w, const cJSON *f, bool record);
void ddl_select_into(walker *w, const cJSON *select, const cJSON *into);
void ddl_dcl(walker *w, pg_kind k, const cJSON *f);
/* Records the body of a CREATE FUNCTION or DO (fl: its fields); its index. */
int ddl_body(walker *w, pg_kind k, const cJSON *fl);

/* bodies.c: parses and walks body i (once) */
void bodies_analyse(stmt_facts *f, size_t i, int body_depth);

/* txn.c: what PostgreSQL refuses in a transaction block, transaction control */
void txn_describe_unit(unit_info *u);

/* A search_path state (facts.h) added to f->paths; its index. elts are copied. */
int facts_add_path(stmt_facts *f, bool known, const char *const *elts, size_t n,
                   const char *unknown_why);
/* The search_path in force where the walk is, as an index in f->paths: the
   session's is copied in when the walk is in the statement's own tree. */
int walk_current_path(walker *w);

/* A lowercase copy of s that lives as long as the facts. */
const char *facts_lower(stmt_facts *f, const char *s);

#endif
