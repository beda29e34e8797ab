/*
 * facts.h: what one statement does, read off its parse tree once, for every
 * consumer: the policy gate, the rules, apply.
 *
 * A psql statement (script.h) holds one or more raw statements ("units": several
 * when psql joined them with \;). analyze_unit() (analyze.h) walks a unit's tree
 * once and appends to the statement's facts: the classes of work it does, every
 * relation it reads, writes or defines (qualified through the session's
 * search_path), the functions and operators it calls, the settings it changes,
 * the objects it creates, alters, renames or drops, the locks it takes, its DML,
 * the names it defines, and the bodies of the functions and DO blocks it holds
 * (parsed once, on first use, and kept here). Every entry records the unit it
 * belongs to. Strings are borrowed from the parse tree or owned by the facts'
 * arena: facts live as long as the statement's parse tree.
 *
 *   stmt_facts *f = analyze_begin(sess, st);
 *   for (u = 0; u < f->nunits; u++) { analyze_unit(f, u); ...; session_advance(sess, f, u); }
 *   facts_free(f);
 */
#ifndef PGWARD_FACTS_H
#define PGWARD_FACTS_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "analyze/stmt_class.h"
#include "parse/pgnode.h"
#include "script/script.h"

/* How a relation is used. */
enum { ACC_READ = 1, ACC_WRITE = 2, ACC_DEFINE = 4 };

/* A name as written: schema NULL when unqualified. */
typedef struct qname {
    const char *schema;
    const char *name;
} qname;

/* A relation (or, with name NULL, a schema) the statement uses. */
typedef struct rel_ref {
    const char *schema;  /* resolved through search_path (never NULL) */
    const char *name;    /* relation name, or NULL for the schema itself */
    bool qualified;      /* written with its schema */
    bool ambiguous;      /* unqualified, and search_path offers several schemas */
    bool temp;           /* a temporary relation the statement creates */
    bool carried;        /* read by an earlier statement, carried here by psql's result
                            variables or an \if branch: for isolation (the grants were
                            checked where it was read) */
    unsigned access;     /* ACC_* */
    unsigned classes;    /* the CLASS_* this access needs */
    long location;       /* byte offset in the statement text, or -1 */
    int body;            /* index in bodies, or -1: the statement's own tree */
    size_t unit;
    unsigned seq;        /* the order the walk found it in, among relations and calls */
    int path;            /* the search_path it is looked up with: in paths, or -1 */
} rel_ref;

/* A function, procedure or operator the statement calls. */
typedef struct call_ref {
    const char *schema;  /* as written, or NULL */
    const char *name;
    const char *display; /* "schema.name" or "name", as written */
    bool procedure;      /* CALL */
    bool op;             /* OPERATOR(schema.op) */
    long location;
    int body;
    size_t unit;
    unsigned seq;        /* the order the walk found it in, among relations and calls */
    int path;            /* the search_path it is looked up with: in paths, or -1 */
    const cJSON *node;   /* the FuncCall (or A_Expr) */
} call_ref;

/* How a name is looked up through search_path (PostgreSQL searches pg_temp for
   relations and types, never for functions and operators). */
typedef enum lookup_kind {
    LOOKUP_RELATION, LOOKUP_TYPE, LOOKUP_FUNCTION, LOOKUP_OPERATOR
} lookup_kind;

/* An operator, a type or a function named without a schema that is looked up
   rather than called (a cast's type, the = of a simple CASE, the names inside CREATE
   OPERATOR or AGGREGATE): search_path decides which one (pg_catalog first unless the
   path places it later). */
typedef struct path_ref {
    const char *what;    /* "operator", "type" or "function" */
    lookup_kind kind;
    const char *name;
    const char *context; /* how it is used, when not plainly: "simple CASE", "CREATE
                            OPERATOR", ...; NULL */
    long location;
    int body;
    size_t unit;
    int path;            /* the search_path it is looked up with: in paths, or -1 */
} path_ref;

/*
 * A search_path in force inside a body (rel_ref.path, call_ref.path, path_ref.path
 * index these; -1: the session's in force at the statement, analyze/session.h): what
 * a function's SET clause pins, what a DO block starts with, and each SET,
 * RESET and set_config() of search_path in a body from there on, in the order the
 * body runs them (branches are read in order, as written).
 */
typedef struct search_path_state {
    bool known;          /* false: the caller's, or set to a value the analysis cannot see */
    const char *const *elts;
    size_t nelts;
    const char *unknown_why; /* !known: why, as a phrase ("the function has no SET
                                search_path, so it runs with its caller's") */
} search_path_state;

typedef enum setting_how {
    SETTING_VALUE,    /* SET name = value, set_config(name, value, ...) */
    SETTING_DEFAULT,  /* SET name TO DEFAULT, RESET name */
    SETTING_RESET_ALL,/* RESET ALL, DISCARD ALL (name is NULL) */
    SETTING_CURRENT,  /* SET name FROM CURRENT (a function's clause) */
} setting_how;

typedef enum setting_scope {
    SCOPE_SESSION,    /* the script's session: SET, set_config() */
    SCOPE_FUNCTION,   /* a function's SET clause (CREATE or ALTER FUNCTION) */
    SCOPE_ROLE_DB,    /* ALTER ROLE / DATABASE ... SET: later sessions */
    SCOPE_BODY,       /* inside a function's or DO block's body */
} setting_scope;

/* A setting the statement changes. */
typedef struct setting_ref {
    const char *name;      /* lowercase, or NULL for RESET ALL */
    setting_how how;
    setting_scope scope;
    bool local;            /* SET LOCAL, set_config(..., true) */
    bool via_function;     /* set_config() rather than SET */
    bool certain;          /* set_config() that runs whenever its statement does: the
                              only thing a SELECT without FROM, WHERE, ... does */
    bool known;            /* the value is known (constants only) */
    const char **values;   /* SETTING_VALUE: the elements (search_path: one per
                              schema; set_config's string split as PostgreSQL does) */
    long *value_locs;      /* where each element is written, or -1 */
    size_t nvalues;
    long location;
    int body;
    size_t unit;
    const cJSON *node;     /* the VariableSetStmt or FuncCall */
} setting_ref;

/* Kinds of object the script can create, alter, rename or drop. */
typedef enum obj_kind {
    OBJ_TABLE, OBJ_FOREIGN_TABLE, OBJ_VIEW, OBJ_MATVIEW, OBJ_INDEX, OBJ_SEQUENCE,
    OBJ_SCHEMA, OBJ_FUNCTION, OBJ_PROCEDURE, OBJ_TYPE, OBJ_ENUM, OBJ_DOMAIN,
    OBJ_EXTENSION, OBJ_POLICY, OBJ_TRIGGER, OBJ_RULE, OBJ_ROLE, OBJ_DATABASE,
    OBJ_SUBSCRIPTION, OBJ_TABLESPACE, OBJ_STATISTICS, OBJ_AGGREGATE, OBJ_COLLATION,
    OBJ_OTHER,
} obj_kind;

typedef enum obj_action { OBJ_CREATE, OBJ_ALTER, OBJ_RENAME, OBJ_DROP } obj_action;

enum {
    OBJF_IF_NOT_EXISTS = 1u << 0,
    OBJF_OR_REPLACE = 1u << 1,
    OBJF_TEMP = 1u << 2,
    OBJF_MISSING_OK = 1u << 3,   /* DROP ... IF EXISTS */
    OBJF_CONCURRENTLY = 1u << 4,
    OBJF_SCHEMA_ELEMENT = 1u << 5, /* CREATE SCHEMA ... CREATE TABLE: schema from the parent */
};

/* An object the statement creates, alters, renames or drops. */
typedef struct obj_ref {
    obj_action action;
    obj_kind kind;
    qname name;          /* as written (schema NULL: unqualified) */
    const char *new_name;/* OBJ_RENAME */
    unsigned flags;      /* OBJF_* */
    const char *args;    /* CREATE FUNCTION, PROCEDURE, AGGREGATE: the parameters as
                            written (modes, names, types; no defaults), which with the
                            name identify the routine; NULL for other objects */
    long location;
    size_t unit;
    const cJSON *node;   /* the statement (or schema element) node's fields */
} obj_ref;

/* A GRANT (or ALTER DEFAULT PRIVILEGES ... GRANT) to PUBLIC, wherever it is. */
typedef struct public_grant_ref {
    long location;       /* of PUBLIC in the statement text, or of its body's line */
    int body;            /* index in bodies, or -1: the statement's own tree */
    size_t unit;
} public_grant_ref;

/* A relation a statement locks, and whether ACCESS EXCLUSIVE. */
typedef struct lock_ref {
    qname rel;
    long location;
    bool access_exclusive;
    size_t unit;
} lock_ref;

typedef enum dml_kind { DML_INSERT, DML_UPDATE, DML_DELETE, DML_MERGE } dml_kind;

/* An INSERT, UPDATE, DELETE or MERGE anywhere in the statement's own tree
   (data-modifying CTEs included; not rule actions, bodies or PREPARE). */
typedef struct dml_ref {
    dml_kind kind;
    const cJSON *node;   /* the statement's fields */
    const cJSON *target; /* its RangeVar */
    size_t unit;
} dml_ref;

typedef enum body_lang { BODY_SQL, BODY_PLPGSQL, BODY_OTHER } body_lang;

/* The body of a function or DO block the statement holds. */
typedef struct body_info {
    body_lang lang;
    bool is_do;
    bool atomic;         /* BEGIN ATOMIC / RETURN: already in the statement's tree */
    bool security_definer;
    bool pins_search_path; /* SET search_path = ... or FROM CURRENT in its clause */
    const char *language;/* as written */
    const char *text;    /* the body string, or NULL */
    long offset;         /* where text starts in the statement text, or -1 */
    const cJSON *node;   /* the CreateFunctionStmt or DoStmt fields */
    const char *stmt_sql;/* the statement that holds it (what PL/pgSQL parsing reads) */
    size_t stmt_len;
    long line_base;      /* where that statement starts in the statement text, or -1 */
    int depth;           /* 0: in the statement; 1: in a body; ... */
    int parent;          /* the body it is in, or -1 */
    int entry_path;      /* the search_path its code starts with (paths), or -1: the
                            session's (a DO block of the statement) */
    size_t unit;
    /* filled by facts_body() on first use */
    bool parsed;
    bool unparsable;     /* SQL that does not parse, PL/pgSQL pgward cannot read */
} body_info;

/* Transaction control. */
typedef enum txn_kind {
    TXN_NONE,
    TXN_BEGIN,           /* BEGIN, START TRANSACTION */
    TXN_COMMIT,          /* COMMIT, END */
    TXN_ROLLBACK,        /* ROLLBACK, ABORT */
    TXN_PREPARE,         /* PREPARE TRANSACTION */
    TXN_COMMIT_PREPARED,
    TXN_ROLLBACK_PREPARED,
    TXN_SAVEPOINT,
    TXN_RELEASE,
    TXN_ROLLBACK_TO,
} txn_kind;

/* One raw statement (a unit) of the psql statement. */
typedef struct unit_info {
    int kind;            /* its pg_kind (parse/pgnode.h), PGK_NONE when unknown */
    const char *kind_name; /* node name ("CreateStmt") */
    const cJSON *node;   /* its fields */
    size_t offset, length; /* its slice of the statement text */
    txn_kind txn;        /* transaction control, or TXN_NONE */
    const char *txn_name;/* as PostgreSQL names it ("BEGIN", "START TRANSACTION", ...) */
    bool chain;          /* COMMIT / ROLLBACK AND CHAIN */
    const char *savepoint; /* SAVEPOINT, RELEASE, ROLLBACK TO: its name */
    const char *no_txn_what; /* what PostgreSQL refuses inside a transaction block
                                ("CREATE INDEX CONCURRENTLY"), or NULL */
    const char *lock_what;   /* the lock-taking DDL it is ("ALTER TABLE"), or NULL */
    bool lock_is_alter;      /* ALTER TABLE (what one ALTER TABLE could combine) */
    bool lock_is_explicit;   /* LOCK TABLE: an explicit lock */
} unit_info;

typedef struct stmt_facts {
    const statement *st;
    unsigned classes;        /* CLASS_* of everything the statement does */
    bool unparsed;           /* the parser rejected it: nothing is known */
    const char *dynamic_what;/* code the analysis cannot see into, or NULL */
    const char *identity_change; /* what changes who the session is, or NULL */
    const char *server_access;   /* COPY to/from a server file or program, LOAD, ... */

    unit_info *units;
    size_t nunits;
    rel_ref *rels;
    size_t nrels, caprels;
    call_ref *calls;
    size_t ncalls, capcalls;
    path_ref *path_refs;
    size_t npath_refs, cappath_refs;
    setting_ref *settings;
    size_t nsettings, capsettings;
    obj_ref *objects;
    size_t nobjects, capobjects;
    lock_ref *locks;
    size_t nlocks, caplocks;
    public_grant_ref *public_grants;
    size_t npublic_grants, cappublic_grants;
    dml_ref *dml;
    size_t ndml, capdml;
    const char **defined;    /* names the statement defines (identifier-too-long) */
    size_t ndefined, capdefined;
    body_info *bodies;
    size_t nbodies, capbodies;
    search_path_state *paths;/* search_paths in force inside bodies */
    size_t npaths, cappaths;

    unsigned nseq;           /* relations and calls found so far */
    struct facts_arena *arena; /* owned strings and parses */
    const struct session *sess;/* for bodies parsed later */
} stmt_facts;

/* Facts for statement st (nothing analysed yet). */
stmt_facts *facts_new(const statement *st);
void facts_free(stmt_facts *f);

/* A copy of s (or of n bytes of s) that lives as long as the facts. */
const char *facts_strdup(stmt_facts *f, const char *s);
const char *facts_strndup(stmt_facts *f, const char *s, size_t n);

/*
 * Body i, parsed and analysed on first use (its relations, calls and settings are
 * then in the facts with .body = i). Parsing happens once per statement.
 */
const body_info *facts_body(stmt_facts *f, size_t i);
/* Every body parsed (the gate needs all of them). */
void facts_all_bodies(stmt_facts *f);

/* The elements of a search_path string as PostgreSQL's SplitIdentifierString reads
   them: commas outside double quotes, blanks trimmed, unquoted names lowercased. */
size_t facts_split_path(stmt_facts *f, const char *value, const char ***elts);

/* A name list (["s", "t"]) as a qname: the last item and the one before it. */
static inline qname list_qname(const cJSON *list)
{
    int n = cJSON_GetArraySize(list);
    return (qname){n > 1 ? list_str(list, n - 2) : NULL, n > 0 ? list_str(list, n - 1) : NULL};
}

/* A RangeVar as a qname. */
static inline qname rangevar_qname(const cJSON *rv)
{
    return (qname){str_field(rv, PGF_schemaname), str_field(rv, PGF_relname)};
}

/* Whether two written names can be the same object: equal names, and equal
   schemas when both are written. */
bool qname_match(qname a, qname b);

/* "schema.name" or "name" (malloc'd). */
char *qname_text(qname q);

#endif
