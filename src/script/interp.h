/*
 * interp.h: what the interpreter's files share: the interpreter's and the file's
 * state, variables, findings and the \if stack (interp.c); sending a statement
 * (statements.c); an extension script read as CREATE EXTENSION reads it
 * (extension.c); the main loop and the meta-commands (mainloop.c). reader.c, the
 * API of script.h, sits on top of them.
 */
#ifndef PGWARD_SCRIPT_INTERP_H
#define PGWARD_SCRIPT_INTERP_H

#include "script/script.h"
#include "script/script_scan.h"

typedef struct interp {
    script *out;
    const script_options *opt;
    script_var *vars;
    size_t nvars, capvars;
    char **runtime;          /* variables set by \gset (value unknown until run time) */
    size_t nruntime, capruntime;
    char *root;              /* real path of the folder includes must stay in */
    char *root_name;         /* that folder as the user named it, for messages */
    const source **include_stack; /* the files being read, outermost first */
    bool std_strings;        /* the session's standard_conforming_strings */
    char *restrict_key;      /* \restrict KEY in force (psql 15.14+): every meta-command
                                but \unrestrict KEY is refused until then */
    size_t substituted;      /* bytes variables have added so far */
    bool substitution_reported;
    size_t ninclude, capinclude;
} interp;

typedef enum if_state {
    IF_TRUE,       /* in an active branch */
    IF_FALSE,      /* in an inactive branch, no branch taken yet */
    IF_IGNORED,    /* inactive: a branch was taken, or the outer branch is inactive */
    IF_ELSE_TRUE,  /* in an active \else */
    IF_ELSE_FALSE, /* in an inactive \else */
} if_state;

typedef struct cond {
    if_state state;
    bool cur_unknown;  /* this branch runs only if a run-time value says so */
    bool any_unknown;  /* an earlier condition of this block was unknown */
    size_t if_off;     /* where the \if is, for "no \endif" */
    size_t saved_len;  /* query text kept when a branch is abandoned */
    scan_mark saved_mark;
} cond;

/* A :variable psql leaves as written because it is not set. */
typedef struct unset_ref {
    char *name;
    size_t off, len;         /* the reference in the source (":name", ":'name'") */
    size_t text_off;         /* where it is left in the query buffer */
    var_quote quote;         /* how it is written */
} unset_ref;

typedef struct file_ctx {
    interp *ip;
    source *src;
    scan_state *sc;
    query_buf qb;
    query_buf prev;          /* the last statement sent, for \g on an empty buffer */
    cond *conds;
    size_t nconds, capconds;
    bool quit;               /* \q: stop reading this file */
    size_t quit_off, quit_len; /* where that \q is */
    bool stmt_runtime;       /* the statement being collected uses a \gset variable */
    bool stmt_result;        /* ... or one of psql's result variables (ROW_COUNT, ...) */
    bool expr_runtime;       /* the \if expression being read uses one */
    bool in_meta;            /* reading a meta-command's arguments (not SQL text) */
    unset_ref *unset;        /* unset variables left in the SQL text since the last
                                statement was sent (the scanner says so as it reads) */
    size_t nunset, capunset;
    char **told;             /* unset variables and placeholders already reported in
                                this file: one finding each */
    size_t ntold, captold;
} file_ctx;

typedef enum cmd_status { CMD_SKIP, CMD_SEND } cmd_status;

/* interp.c: life, variables, findings, branches */
void interp_init(interp *ip, script *out, const script_options *opt, const char *root);
void interp_free(interp *ip);
void interp_put_var(script_var **vars, size_t *n, size_t *cap, const char *name,
                    const char *value);
bool interp_valid_var_name(const char *name);
bool interp_is_hooked_var(const char *name);
bool interp_parse_bool(const char *value, bool *result);
int interp_assign_var(file_ctx *fc, const char *name, const char *value, size_t off,
                      size_t len);
void interp_set_runtime(interp *ip, const char *name, bool on);
void interp_forget_unset(file_ctx *fc);
void interp_add_finding(file_ctx *fc, severity sev, rule_id rule, size_t off, size_t len,
                        const char *fmt, ...) PRINTF_LIKE(6, 7);
void interp_add_note(file_ctx *fc, size_t off, size_t len, const char *fmt, ...)
    PRINTF_LIKE(4, 5);
void interp_note_bytes(file_ctx *fc);
bool interp_active(const file_ctx *fc);
bool interp_in_unknown_branch(const file_ctx *fc);
bool interp_ends_with_line_break(const file_ctx *fc, size_t at);
char *interp_dir_of(const char *path);
extern const scan_callbacks interp_scan_callbacks;

/* statements.c */
void interp_send_query(file_ctx *fc, stmt_end end, const char *gset_prefix);
void interp_statement_free(statement *st);

/* extension.c: an extension script read as CREATE EXTENSION reads it */
void ext_decide(script *s, const script_options *opt, const source *src);
/* Whether fc's file is read as CREATE EXTENSION reads it (the top-level file of an
   extension script, with opt->extension_reading). */
bool ext_reading(const file_ctx *fc);
/* The first len bytes of fc's text with every line that starts with \echo blanked
   (malloc'd, NUL-terminated), or NULL when there is none; notes and findings added. */
char *ext_blank_echo_lines(file_ctx *fc, size_t len);
/* Binds the placeholders in st's text (its spans map them to their source). */
void ext_bind_placeholders(file_ctx *fc, statement *st);

/* mainloop.c */
void interp_process_file(interp *ip, source *src);

#endif
