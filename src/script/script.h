/*
 * script.h: read a script the way psql 15 does and turn it into statements.
 *
 * The interpreter (interp.h) drives the boundary scanner (grammar/script_scan.l): it
 * owns the variables, the \if stack, includes and the error policy; the scanner
 * only finds where statements and meta-commands begin and end and calls back for
 * variables. Every statement is parsed once with libpg_query (sqlparse.h) and keeps
 * its true origin: the file, line, column, byte offset and length in the original
 * text, with a map from every byte of the substituted text back to the source.
 *
 *   script_options opt = script_options_default();
 *   script_set_var(&opt, "schema", "eng");
 *   script *s = script_read_file("deploy.sql", &opt);
 *   for (size_t i = 0; i < s->nstmts; i++) ... s->stmts[i] ...
 *   ... s->findings ...
 *   script_free(s);
 *   script_options_free(&opt);
 *
 * Nothing here is global: scripts can be read on parallel threads.
 */
#ifndef PGWARD_SCRIPT_H
#define PGWARD_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/finding.h"
#include "base/source.h"
#include "parse/sqlparse.h"

#define SCRIPT_MAX_INCLUDE_DEPTH 32
/* Default bound on the bytes variable substitution may add to one script. */
#define SCRIPT_MAX_SUBSTITUTION ((size_t)64 << 20)

typedef struct script_var {
    char *name;
    char *value;
} script_var;

/* A run of statement text and where it came from. */
typedef struct text_span {
    size_t text_off;     /* offset in statement text */
    size_t len;          /* bytes of statement text */
    size_t src_off;      /* offset in the source of the first byte ... */
    size_t src_len;      /* ... and bytes of source it stands for */
    bool substituted;    /* from a :variable (src_off/src_len = the reference) */
} text_span;

typedef enum stmt_end {
    END_SEMICOLON,   /* ended by ; */
    END_G,           /* sent by \g */
    END_GSET,        /* sent by \gset [prefix] */
    END_EOF,         /* the last statement of a file, without ; */
} stmt_end;

/* A statement's part in a file-level transaction (rules/txn_rules.h). */
typedef enum file_txn_edge {
    FILE_TXN_NONE,
    FILE_TXN_BEGIN,        /* the file's own BEGIN: apply does not send it */
    FILE_TXN_BEGIN_MODES,  /* ... with transaction modes (ISOLATION LEVEL, ...): apply
                              begins the file's own transaction with it */
    FILE_TXN_COMMIT,       /* the file's own COMMIT: apply does not send it */
} file_txn_edge;

typedef struct statement {
    char *text;              /* exactly what psql would send (after substitution) */
    size_t text_len;
    const source *src;       /* the file it came from (owned by the script) */
    size_t offset;           /* byte offset of its first byte in src->text */
    size_t length;           /* bytes of source from first byte to terminator */
    int line, column;        /* 1-based, of offset */
    text_span *spans;        /* text -> source map, in text order */
    size_t nspans;
    stmt_end end;
    char *gset_prefix;       /* END_GSET: the prefix (maybe ""), else NULL */
    bool conditional;        /* inside an \if whose value is only known at run time */
    bool uses_runtime_vars;  /* references a variable set by \gset */
    bool uses_result_vars;   /* references ROW_COUNT, ERROR, SQLSTATE or LAST_ERROR_*:
                                values earlier statements' results decide */
    const char *copy_data;   /* COPY ... FROM STDIN: inline data (in src->text) */
    size_t copy_data_len;    /* bytes of inline data, excluding the \. line */
    parsed_sql parse;        /* libpg_query result */
    char *kind;              /* sql_kind_string(), or "Error" when it did not parse */
    bool outside_txn_block;  /* kept when the parse tree goes (lint_file_keeping): it
                                cannot run inside a transaction block, or it begins or
                                ends one (rules/txn_rules.h) */
    char *resume_check;      /* kept likewise: txn_statement_resume_check(), or NULL */
    file_txn_edge file_txn;  /* set by lint when every statement is kept */
} statement;


/*
 * Run-time execution (pgward apply). With a runner, the interpreter behaves as psql
 * does at run time instead of modelling run-time values: each statement is handed to
 * run() as soon as it is complete (after its COPY data is taken), and \gset sets
 * the variables run() returns, so later \if, \set and :references see real values;
 * \echo and \qecho text goes to echo(). Nothing is marked conditional or
 * uses_runtime_vars. Statements are still appended to the script (st is the last
 * one, s->stmts[s->nstmts - 1]; pointers into s->stmts are only valid during the
 * call).
 */
struct script;
typedef struct script_runner {
    void *ctx;
    /*
     * Runs st. For END_GSET, fills *vars with the variables to set (names already
     * prefixed; value NULL unsets, as psql does for a NULL column), malloc'd, which
     * the interpreter frees. Returns 0 to go on, or -1 to stop reading every file
     * at once (psql's ON_ERROR_STOP): no later statement is run.
     */
    int (*run)(void *ctx, const struct script *s, const statement *st,
               script_var **vars, size_t *nvars);
    /*
     * Prints the text of \echo or \qecho: the arguments joined by single spaces,
     * without a newline; newline says whether psql adds one (false for "-n").
     */
    void (*echo)(void *ctx, const char *text, bool newline);
} script_runner;

/*
 * Static reading as a stream (lint): each statement is handed to statement() as
 * soon as it is complete (its COPY data taken), as s->stmts[s->nstmts - 1]; unless
 * keep is set it is freed right after the call, so that a script of any size is
 * read in bounded memory (s->nread counts the statements all the same).
 */
typedef struct script_sink {
    void *ctx;
    void (*statement)(void *ctx, struct script *s, const statement *st);
    bool keep;
} script_sink;

/*
 * A file a script may read, held in memory (a verified bundle's files): the script
 * and its includes are read from these bytes and never from the disk.
 */
typedef struct script_file {
    const char *path;        /* relative, normalised ("a/b.sql": no ".", "..", "//") */
    const char *text;
    size_t len;
} script_file;

/*
 * What a script is read as (script_options.profile). An extension script is what
 * CREATE EXTENSION runs (docs: extend-extensions.html): the server, not psql, reads
 * it, leaves every line that starts with \echo out (the customary guard
 * "\echo Use \"CREATE EXTENSION ...\" to load this file. \quit") and replaces
 * @extschema@, @extschema:NAME@ and @extowner@ in its text.
 */
typedef enum script_profile {
    SCRIPT_PROFILE_AUTO,      /* by the file: its name, its guard, its placeholders */
    SCRIPT_PROFILE_EXTENSION, /* --profile extension: every file */
    SCRIPT_PROFILE_MIGRATION, /* --profile migration: no file */
} script_profile;

/* Why a script is an extension script (script.extension). */
typedef enum script_ext_why {
    SCRIPT_EXT_NO,
    SCRIPT_EXT_NAME,          /* NAME--VERSION.sql, NAME--FROM--TO.sql */
    SCRIPT_EXT_GUARD,         /* its first line is an "\echo ... \quit" guard */
    SCRIPT_EXT_PLACEHOLDER,   /* it holds @extschema@, @extschema:NAME@ or @extowner@ */
    SCRIPT_EXT_PROFILE,       /* --profile extension */
} script_ext_why;

/* The schema @extschema@ stands for when none is given (--extschema): a name no
   real schema is likely to have, printed as the placeholder itself. */
#define SCRIPT_DEFAULT_EXTSCHEMA "@extschema@"

typedef struct script_options {
    script_var *vars;        /* -v NAME=VALUE, in order */
    size_t nvars, capvars;
    const char *root;        /* includes must stay below this folder; NULL = the
                                folder of each top-level file */
    bool allow_outside_root; /* --allow-include-outside-root */
    bool forbid_includes;    /* every \i is an include-error (fuzzing, stdin policy) */
    int max_include_depth;
    size_t max_substitution; /* 0 = SCRIPT_MAX_SUBSTITUTION */
    const script_runner *runner; /* NULL: read statically (lint, bundle) */
    const script_sink *sink;     /* static reading, statement by statement */
    const script_file *files;    /* non-NULL: the only files there are (the top-level
                                    one and every \i, \ir), read from memory; a
                                    path not among them is an input or include error
                                    and root does not apply */
    size_t nfiles;
    bool whole_files;        /* read a dbmate or goose file's down part too (the runner
                                linted for, psql say, does not know the sections);
                                default: stop where it starts (script/directives.h) */
    script_profile profile;  /* what the files are read as (default: by each file) */
    bool extension_reading;  /* read an extension script as CREATE EXTENSION does
                                (lint): \echo lines left out, placeholders bound.
                                Otherwise (apply, bundle) as psql reads it, and only
                                the name or the profile makes it one (for the rules);
                                its guard and placeholders do not */
    const char *extschema;   /* the schema @extschema@ is bound to (NULL:
                                SCRIPT_DEFAULT_EXTSCHEMA) */
} script_options;

typedef struct script {
    statement *stmts;        /* the statements kept (all of them, but with a sink) */
    size_t nstmts, capstmts;
    size_t nread;            /* statements read, kept or not */
    source **sources;        /* the top-level file first, then each included file */
    size_t nsources, capsources;
    finding_list findings;   /* front-end findings (syntax errors included) */
    finding_list notes;      /* what psql reads exactly but a static gate cannot prove
                                (bytes psql may read otherwise, run-time SQL text,
                                psql settings that change splitting): rule unproven,
                                reported by the gate for a restricted role only */
    char **metas;            /* the meta-commands psql would run (names, the first 64
                                distinct ones, in active or run-time branches) */
    size_t nmetas, capmetas;
    bool stopped;            /* a runner asked to stop */
    size_t nechos;           /* \echo and \qecho run (in active branches) */
    script_ext_why extension; /* why it is an extension script (SCRIPT_EXT_NO: it is not) */
    char *extschema;         /* an extension script's @extschema@ (unquoted), else NULL */
    size_t ext_lines;        /* \echo lines left out as CREATE EXTENSION does */
    size_t ext_bound;        /* placeholders bound */
} script;

script_options script_options_default(void);
/* Sets (or replaces) a variable given with -v. Returns -1 for an invalid name. */
int script_set_var(script_options *opt, const char *name, const char *value);
/* Parses "NAME=VALUE" (as psql's -v); returns -1 without '=' or with a bad name. */
int script_set_var_assignment(script_options *opt, const char *assignment);
void script_options_free(script_options *opt);

/*
 * Reads path ("-" = stdin) and everything it includes (from opt->files when set).
 * Never returns NULL: an unreadable file becomes an input-error finding. Statements in inactive \if
 * branches are not returned (psql never sends them).
 */
script *script_read_file(const char *path, const script_options *opt);

/* The same for text in memory (fuzzing, tests); name is used in messages. */
script *script_read_memory(const char *name, const char *text, size_t len,
                           const script_options *opt);

/*
 * The file of opt->files at path once "." and ".." parts and repeated slashes are
 * resolved (never above the top; absolute paths are not in the set), or NULL.
 */
const script_file *script_find_file(const script_options *opt, const char *path);

/* Whether a file name is an extension script's (NAME--VERSION.sql, NAME--FROM--TO.sql). */
bool script_extension_name(const char *name);

/* What why says, as a phrase ("its name is an extension script's", ...), and as a
   key for JSON and SARIF ("name", "guard", "placeholder", "profile"). */
const char *script_ext_why_text(script_ext_why why);
const char *script_ext_why_key(script_ext_why why);

/* Maps an offset in st->text back to the source; never fails. */
size_t statement_source_offset(const statement *st, size_t text_off);

void script_free(script *s);

#endif
