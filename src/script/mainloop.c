/*
 * mainloop.c: psql's MainLoop and the meta-commands it runs. interp_process_file()
 * asks the scanner (script_scan.h) for the next boundary, sends a finished
 * statement (statements.c) and runs meta-commands: \set \unset \echo \qecho \i \ir
 * \include \include_relative \if \elif \else \endif \g \gset \q; every other one
 * is reported, never silently skipped; text after \q is said once not to be read.
 * \i and \ir read the included file through interp_process_file() again, which is
 * why the loop and the commands share a file.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_nodes.h"
#include "script/directives.h"
#include "script/interp.h"

/* ------------------------------------------------------------------ meta-commands */

/* Reads every remaining argument of the current meta-command. */
static char *gather_args(file_ctx *fc, slash_opt type, const char *sep, size_t *first_off)
{
    strbuf sb = {0};
    int n = 0;
    char *arg;
    size_t off;
    while ((arg = scan_slash_option(fc->sc, type, NULL, false, &off)) != NULL) {
        if (n++ == 0 && first_off)
            *first_off = off;
        else if (sep)
            sb_adds(&sb, sep);
        sb_adds(&sb, arg);
        free(arg);
    }
    return sb_detach(&sb, NULL);
}

static void skip_args(file_ctx *fc)
{
    free(gather_args(fc, OPT_NO_EVAL, NULL, NULL));
}

typedef enum tristate { TRI_FALSE, TRI_TRUE, TRI_UNKNOWN } tristate;

/* Evaluates an \if or \elif expression (all arguments joined by spaces). */
static tristate eval_condition(file_ctx *fc, const char *cmd, size_t cmd_off)
{
    fc->expr_runtime = false;
    size_t off = cmd_off;
    char *expr = gather_args(fc, OPT_NORMAL, " ", &off);
    tristate t;
    bool b;
    if (fc->expr_runtime) {
        t = TRI_UNKNOWN;
    } else if (interp_parse_bool(expr, &b)) {
        t = b ? TRI_TRUE : TRI_FALSE;
    } else {
        interp_add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, strlen(expr),
                    "unrecognized value '%s' for '\\%s expression': Boolean expected", expr,
                    cmd);
        t = TRI_FALSE;
    }
    fc->expr_runtime = false;
    free(expr);
    return t;
}

static void save_query_state(file_ctx *fc, cond *c)
{
    c->saved_len = fc->qb.text.len;
    c->saved_mark = scan_get_mark(fc->sc);
}

static void discard_query_text(file_ctx *fc, cond *c)
{
    qbuf_truncate(&fc->qb, c->saved_len);
    scan_set_mark(fc->sc, c->saved_mark);
}

static void exec_if(file_ctx *fc, size_t off)
{
    bool was_active = interp_active(fc);
    GROW(fc->conds, fc->capconds, fc->nconds + 1);
    cond *c = &fc->conds[fc->nconds++];
    memset(c, 0, sizeof(*c));
    c->if_off = off;
    save_query_state(fc, c);
    if (!was_active) {
        c->state = IF_IGNORED;
        skip_args(fc);
        return;
    }
    c->state = IF_TRUE; /* so that the expression's variables are substituted */
    tristate t = eval_condition(fc, "if", off);
    if (t == TRI_FALSE)
        c->state = IF_FALSE;
    else if (t == TRI_UNKNOWN)
        c->cur_unknown = c->any_unknown = true;
}

static void exec_elif(file_ctx *fc, size_t off, size_t len)
{
    if (fc->nconds == 0) {
        interp_add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, len, "\\elif: no matching \\if");
        skip_args(fc);
        return;
    }
    cond *c = &fc->conds[fc->nconds - 1];
    switch (c->state) {
    case IF_TRUE:
        if (!c->cur_unknown) {
            save_query_state(fc, c);
            c->state = IF_IGNORED;
            skip_args(fc);
            break;
        }
        /* the previous branch might not have run: this one might */
        save_query_state(fc, c);
        if (eval_condition(fc, "elif", off) == TRI_FALSE) {
            c->state = IF_FALSE;
            c->cur_unknown = false;
        }
        break;
    case IF_FALSE: {
        discard_query_text(fc, c);
        c->state = IF_TRUE;
        tristate t = eval_condition(fc, "elif", off);
        if (t == TRI_FALSE) {
            c->state = IF_FALSE;
        } else {
            if (t == TRI_UNKNOWN)
                c->any_unknown = true;
            c->cur_unknown = c->any_unknown;
        }
        break;
    }
    case IF_IGNORED:
        discard_query_text(fc, c);
        skip_args(fc);
        break;
    case IF_ELSE_TRUE:
    case IF_ELSE_FALSE:
        interp_add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, len,
                    "\\elif: cannot occur after \\else");
        skip_args(fc);
        break;
    }
}

static void exec_else(file_ctx *fc, size_t off, size_t len)
{
    if (fc->nconds == 0) {
        interp_add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, len, "\\else: no matching \\if");
        return;
    }
    cond *c = &fc->conds[fc->nconds - 1];
    switch (c->state) {
    case IF_TRUE:
        save_query_state(fc, c);
        c->state = c->cur_unknown ? IF_ELSE_TRUE : IF_ELSE_FALSE;
        break;
    case IF_FALSE:
        discard_query_text(fc, c);
        c->state = IF_ELSE_TRUE;
        c->cur_unknown = c->any_unknown;
        break;
    case IF_IGNORED:
        discard_query_text(fc, c);
        c->state = IF_ELSE_FALSE;
        break;
    case IF_ELSE_TRUE:
    case IF_ELSE_FALSE:
        interp_add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, len,
                    "\\else: cannot occur after \\else");
        break;
    }
}

static void exec_endif(file_ctx *fc, size_t off, size_t len)
{
    if (fc->nconds == 0) {
        interp_add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, len, "\\endif: no matching \\if");
        return;
    }
    cond *c = &fc->conds[fc->nconds - 1];
    if (c->state != IF_TRUE && c->state != IF_ELSE_TRUE)
        discard_query_text(fc, c);
    fc->nconds--;
}

/* psql variables that change how psql splits or sends what follows (or what it
   sends besides): pgward reads as if they kept their defaults. */
static const char *const splitting_vars[] = {"AUTOCOMMIT", "FETCH_COUNT", "ON_ERROR_ROLLBACK",
                                             "SINGLELINE", "SINGLESTEP"};

static void note_psql_setting(file_ctx *fc, const char *name, size_t off, size_t len)
{
    for (size_t i = 0; i < ARRAY_SIZE(splitting_vars); i++)
        if (strcmp(splitting_vars[i], name) == 0)
            interp_add_note(fc, off, len,
                            "psql variable %s changes how psql splits or sends statements; "
                            "pgward reads with its default",
                            name);
}

/* A meta-command argument that names a variable, read as psql reads it; a name
   known only at run time is noted (psql could set any variable, SINGLELINE too). */
static char *read_var_name(file_ctx *fc, const char *cmd, size_t *name_off, size_t off,
                           size_t len)
{
    fc->expr_runtime = false;
    char *name = scan_slash_option(fc->sc, OPT_NORMAL, NULL, false, name_off);
    if (name && fc->expr_runtime)
        interp_add_note(fc, off, len, "\\%s of a variable named by a run-time value", cmd);
    fc->expr_runtime = false;
    return name;
}

static void exec_set(file_ctx *fc, size_t off, size_t len)
{
    size_t name_off = off;
    char *name = read_var_name(fc, "set", &name_off, off, len);
    if (!name)
        return; /* \set alone lists the variables */
    fc->expr_runtime = false;
    char *value = gather_args(fc, OPT_NORMAL, NULL, NULL);
    if (!interp_valid_var_name(name))
        interp_add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, name_off, strlen(name),
                    "invalid variable name: '%s'", name);
    else if (interp_assign_var(fc, name, value, off, len) == 0 &&
             (fc->expr_runtime || interp_in_unknown_branch(fc)))
        interp_set_runtime(fc->ip, name, true); /* built from a run-time value, or set
                                                   only if a run-time value says so */
    if (interp_valid_var_name(name))
        note_psql_setting(fc, name, off, len);
    fc->expr_runtime = false;
    free(name);
    free(value);
}

static void exec_unset(file_ctx *fc, size_t off, size_t len)
{
    size_t name_off = off;
    char *name = read_var_name(fc, "unset", &name_off, off, len);
    if (!name) {
        interp_add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, len,
                    "\\unset: missing required argument");
        return;
    }
    if (!interp_valid_var_name(name))
        interp_add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, name_off, strlen(name),
                    "invalid variable name: '%s'", name);
    else if (interp_assign_var(fc, name, NULL, off, len) == 0 && interp_in_unknown_branch(fc))
        interp_set_runtime(fc->ip, name, true); /* unset only if a run-time value says so */
    if (interp_valid_var_name(name))
        note_psql_setting(fc, name, off, len);
    free(name);
}

/*
 * \echo and \qecho as psql's exec_command_echo: the arguments joined by single
 * spaces, where a first unquoted "-n" suppresses the newline. The text goes to the
 * runner's echo(); read statically, it is dropped.
 */
static void exec_echo(file_ctx *fc)
{
    strbuf text = {0};
    bool first = true, no_newline = false;
    char *arg;
    char quote;
    size_t off;
    while ((arg = scan_slash_option(fc->sc, OPT_NORMAL, &quote, false, &off)) != NULL) {
        if (first && !no_newline && quote == 0 && strcmp(arg, "-n") == 0) {
            no_newline = true;
        } else {
            if (!first)
                sb_addc(&text, ' ');
            first = false;
            sb_adds(&text, arg);
        }
        free(arg);
    }
    fc->ip->out->nechos++;
    const script_runner *r = fc->ip->opt->runner;
    if (r && r->echo)
        r->echo(r->ctx, text.buf ? text.buf : "", !no_newline);
    sb_free(&text);
}

static bool path_is_under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return true;
    return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static void exec_include(file_ctx *fc, const char *cmd, bool relative, size_t off, size_t len)
{
    interp *ip = fc->ip;
    size_t arg_off = off;
    char *arg = scan_slash_option(fc->sc, OPT_NORMAL, NULL, true, &arg_off);
    if (!arg) {
        interp_add_finding(fc, SEV_ERROR, RULE_INCLUDE_ERROR, off, len,
                    "\\%s: missing required argument", cmd);
        return;
    }
    size_t arg_len = strlen(arg);
    if (ip->opt->forbid_includes) {
        interp_add_finding(fc, SEV_ERROR, RULE_INCLUDE_ERROR, arg_off, arg_len,
                    "includes are not allowed here: '%s' not read", arg);
        free(arg);
        return;
    }
    /* psql: ~ is the home folder; \ir is relative to the including file */
    char *path;
    const char *home = getenv("HOME");
    if (arg[0] == '~' && (arg[1] == '/' || arg[1] == '\0') && home)
        path = xasprintf("%s%s", home, arg + 1);
    else if (relative && arg[0] != '/' && strcmp(fc->src->name, "<stdin>") != 0) {
        char *dir = interp_dir_of(fc->src->name);
        path = strcmp(dir, ".") == 0 ? xstrdup(arg) : xasprintf("%s/%s", dir, arg);
        free(dir);
    } else
        path = xstrdup(arg);

    char *real = NULL;
    const script_file *mem = NULL;
    if (ip->opt->files) {
        /* only the files in memory exist: the disk is never looked at */
        mem = script_find_file(ip->opt, path);
        if (!mem) {
            interp_add_finding(fc, SEV_ERROR, RULE_INCLUDE_ERROR, arg_off, arg_len,
                        "included file '%s' is not one of the files read", path);
            goto out;
        }
        real = xstrdup(mem->path);
        goto resolved;
    }
    real = realpath(path, NULL);
    if (!real) {
        interp_add_finding(fc, SEV_ERROR, RULE_INCLUDE_ERROR, arg_off, arg_len,
                    "cannot read included file '%s': %s", path, strerror(errno));
        goto out;
    }
    if (!ip->opt->allow_outside_root && !ip->root) {
        /* fail closed: a root that does not resolve allows nothing */
        interp_add_finding(fc, SEV_ERROR, RULE_INCLUDE_ERROR, arg_off, arg_len,
                    "cannot check included file '%s': the root folder '%s' does not exist",
                    path, ip->root_name ? ip->root_name : "(none)");
        goto out;
    }
    if (!ip->opt->allow_outside_root && !path_is_under(real, ip->root)) {
        interp_add_finding(fc, SEV_ERROR, RULE_INCLUDE_ERROR, arg_off, arg_len,
                    "included file '%s' is outside the root folder '%s' "
                    "(--allow-include-outside-root allows it)",
                    path, ip->root_name);
        goto out;
    }
resolved:
    for (size_t i = 0; i < ip->ninclude; i++) {
        if (strcmp(ip->include_stack[i]->real_path, real) == 0) {
            strbuf chain = {0};
            for (size_t j = i; j < ip->ninclude; j++)
                sb_addf(&chain, "%s -> ", ip->include_stack[j]->name);
            sb_adds(&chain, path);
            interp_add_finding(fc, SEV_ERROR, RULE_INCLUDE_ERROR, arg_off, arg_len,
                        "include cycle: %s", chain.buf);
            sb_free(&chain);
            goto out;
        }
    }
    int max_depth = ip->opt->max_include_depth > 0 ? ip->opt->max_include_depth
                                                   : SCRIPT_MAX_INCLUDE_DEPTH;
    if (ip->ninclude > (size_t)max_depth) {
        interp_add_finding(fc, SEV_ERROR, RULE_INCLUDE_ERROR, arg_off, arg_len,
                    "includes nested deeper than %d levels: '%s' not read", max_depth, path);
        goto out;
    }
    char *err = NULL;
    source *inc = mem ? source_from_memory(path, mem->path, mem->text, mem->len)
                      : source_load(path, &err);
    if (!inc) {
        interp_add_finding(fc, SEV_ERROR, RULE_INCLUDE_ERROR, arg_off, arg_len, "%s", err);
        free(err);
        goto out;
    }
    script *out = ip->out;
    GROW(out->sources, out->capsources, out->nsources + 1);
    out->sources[out->nsources++] = inc;
    interp_process_file(ip, inc);
    scan_set_std_strings(fc->sc, ip->std_strings);
out:
    free(real);
    free(path);
    free(arg);
}

/* Meta-commands whose argument is the whole rest of the line. */
static const char *const whole_line_cmds[] = {"!", "copy", "ef", "ev", "h", "help", "sf", "sv"};
/* Meta-commands whose argument may be "|command" (the rest of the line). */
static const char *const filepipe_cmds[] = {"g", "gx", "o", "out", "w", "write"};
/* Meta-commands that only change how psql shows results (their arguments are read
   as psql reads them, then dropped). */
static const char *const display_cmds[] = {"conninfo", "pset", "t", "timing", "x"};
/* Unsupported meta-commands that still send the query buffer. */
static const char *const sending_cmds[] = {"crosstabview", "gdesc", "gexec", "gx", "watch"};

static bool in_list(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

/* Reads and drops the arguments of a command pgward does not run, as psql reads them. */
static void skip_command_args(file_ctx *fc, const char *cmd)
{
    if (in_list(whole_line_cmds, ARRAY_SIZE(whole_line_cmds), cmd))
        free(scan_slash_option(fc->sc, OPT_WHOLE_LINE, NULL, false, NULL));
    else if (in_list(filepipe_cmds, ARRAY_SIZE(filepipe_cmds), cmd))
        free(gather_args(fc, OPT_FILEPIPE, NULL, NULL));
    else
        skip_args(fc);
}

/* Whether an encoding name is UTF8 as PostgreSQL's pg_char_to_encoding reads it
   (case and every character but letters and digits ignored; "unicode" an alias). */
static bool is_utf8_name(const char *name)
{
    char clean[16];
    size_t n = 0;
    for (const char *p = name; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
            clean[n++] = *p;
        else if (*p >= 'A' && *p <= 'Z')
            clean[n++] = (char)(*p - 'A' + 'a');
        if (n == sizeof(clean) - 1)
            return false;
    }
    clean[n] = 0;
    return strcmp(clean, "utf8") == 0 || strcmp(clean, "unicode") == 0;
}

/* \encoding: without an argument psql prints the encoding; UTF8 (what pgward reads
   and apply sends) changes nothing; any other encoding changes how psql splits. */
static void exec_encoding(file_ctx *fc, size_t off, size_t len)
{
    size_t aoff = off;
    char *enc = scan_slash_option(fc->sc, OPT_NORMAL, NULL, false, &aoff);
    if (enc && !is_utf8_name(enc))
        interp_add_finding(fc, SEV_ERROR, RULE_UNSUPPORTED_META_COMMAND, off, len,
                           "\\encoding '%s': pgward reads scripts as UTF8 only", enc);
    free(enc);
}

/*
 * \restrict KEY and \unrestrict KEY, which pg_dump writes around a dump (17.6, 16.10,
 * 15.14 and later): between them psql refuses every meta-command but \unrestrict
 * with the same key, so a dump's data can never run one. Errors as psql's.
 */
static void exec_restrict(file_ctx *fc, const char *cmd, size_t off, size_t len)
{
    size_t aoff;
    char *key = scan_slash_option(fc->sc, OPT_NORMAL, NULL, false, &aoff);
    interp *ip = fc->ip;
    if (!key) {
        interp_add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, len,
                           "\\%s: missing required argument", cmd);
    } else if (strcmp(cmd, "restrict") == 0) {
        ip->restrict_key = key; /* refused while restricted, so none is in force */
        key = NULL;
    } else if (!ip->restrict_key) {
        interp_add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, len,
                           "\\unrestrict: not currently in restricted mode");
    } else if (strcmp(key, ip->restrict_key) != 0) {
        interp_add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, len,
                           "\\unrestrict: wrong key");
    } else {
        free(ip->restrict_key);
        ip->restrict_key = NULL;
    }
    free(key);
}

/*
 * Runs one meta-command (name already read) whose backslash is at off. Returns
 * CMD_SEND when the query buffer must be sent (\g, \gset); *gset_prefix is then the
 * malloc'd \gset prefix or NULL.
 */
static cmd_status exec_command(file_ctx *fc, const char *cmd, size_t off, char **gset_prefix)
{
    size_t len = 1 + strlen(cmd);
    *gset_prefix = NULL;

    /* restricted, psql refuses every meta-command but \unrestrict, even \endif and
       in an inactive branch, before anything else */
    if (fc->ip->restrict_key && strcmp(cmd, "unrestrict") != 0) {
        interp_add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, len,
                           "backslash commands are restricted (\\restrict): psql refuses "
                           "\\%s here; only \\unrestrict is allowed",
                           cmd);
        skip_command_args(fc, cmd);
        return CMD_SKIP;
    }

    if (strcmp(cmd, "if") == 0) {
        exec_if(fc, off);
        return CMD_SKIP;
    }
    if (strcmp(cmd, "elif") == 0) {
        exec_elif(fc, off, len);
        return CMD_SKIP;
    }
    if (strcmp(cmd, "else") == 0) {
        exec_else(fc, off, len);
        return CMD_SKIP;
    }
    if (strcmp(cmd, "endif") == 0) {
        exec_endif(fc, off, len);
        return CMD_SKIP;
    }

    bool display = in_list(display_cmds, ARRAY_SIZE(display_cmds), cmd);
    bool supported = display || strcmp(cmd, "set") == 0 || strcmp(cmd, "unset") == 0 ||
                     strcmp(cmd, "echo") == 0 || strcmp(cmd, "qecho") == 0 ||
                     strcmp(cmd, "warn") == 0 || strcmp(cmd, "encoding") == 0 ||
                     strcmp(cmd, "i") == 0 || strcmp(cmd, "include") == 0 ||
                     strcmp(cmd, "ir") == 0 || strcmp(cmd, "include_relative") == 0 ||
                     strcmp(cmd, "g") == 0 || strcmp(cmd, "gset") == 0 ||
                     strcmp(cmd, "q") == 0 || strcmp(cmd, "quit") == 0 ||
                     strcmp(cmd, "restrict") == 0 || strcmp(cmd, "unrestrict") == 0;
    if (!interp_active(fc)) {
        if (!supported)
            interp_add_finding(fc, SEV_WARNING, RULE_UNSUPPORTED_META_COMMAND, off, len,
                        "unsupported meta-command \\%s (in an inactive \\if branch)", cmd);
        skip_command_args(fc, cmd);
        return CMD_SKIP;
    }

    if (strcmp(cmd, "restrict") == 0 || strcmp(cmd, "unrestrict") == 0) {
        exec_restrict(fc, cmd, off, len);
    } else if (strcmp(cmd, "set") == 0) {
        exec_set(fc, off, len);
    } else if (strcmp(cmd, "unset") == 0) {
        exec_unset(fc, off, len);
    } else if (strcmp(cmd, "echo") == 0 || strcmp(cmd, "qecho") == 0) {
        exec_echo(fc);
    } else if (strcmp(cmd, "warn") == 0) {
        exec_echo(fc); /* \warn writes to stderr: the same text */
    } else if (display) {
        free(gather_args(fc, OPT_NORMAL, NULL, NULL)); /* psql's output only */
    } else if (strcmp(cmd, "encoding") == 0) {
        exec_encoding(fc, off, len);
    } else if (strcmp(cmd, "i") == 0 || strcmp(cmd, "include") == 0) {
        exec_include(fc, cmd, false, off, len);
    } else if (strcmp(cmd, "ir") == 0 || strcmp(cmd, "include_relative") == 0) {
        exec_include(fc, cmd, true, off, len);
    } else if (strcmp(cmd, "g") == 0) {
        size_t aoff;
        char *target = scan_slash_option(fc->sc, OPT_FILEPIPE, NULL, false, &aoff);
        if (target) {
            interp_add_finding(fc, SEV_ERROR, RULE_UNSUPPORTED_META_COMMAND, off, len,
                        "unsupported meta-command \\g with an output target ('%s')", target);
            free(target);
        }
        return CMD_SEND;
    } else if (strcmp(cmd, "q") == 0 || strcmp(cmd, "quit") == 0) {
        /* psql: ends this script (the pending statement is still sent); in a branch
           a run-time value decides, psql may go on: so read on */
        if (!interp_in_unknown_branch(fc)) {
            fc->quit = true;
            fc->quit_off = off;
            fc->quit_len = len;
        }
    } else if (strcmp(cmd, "gset") == 0) {
        size_t poff = off;
        char *prefix = read_var_name(fc, "gset", &poff, off, len);
        *gset_prefix = prefix ? prefix : xstrdup("");
        return CMD_SEND;
    } else {
        interp_add_finding(fc, SEV_ERROR, RULE_UNSUPPORTED_META_COMMAND, off, len,
                    "unsupported meta-command \\%s", cmd);
        interp_add_note(fc, off, len, "psql runs \\%s, which pgward does not follow", cmd);
        skip_command_args(fc, cmd);
        if (strcmp(cmd, "r") == 0 || strcmp(cmd, "reset") == 0)
            qbuf_reset(&fc->qb);
        if (in_list(sending_cmds, ARRAY_SIZE(sending_cmds), cmd))
            return CMD_SEND;
    }
    return CMD_SKIP;
}

static void handle_backslash(file_ctx *fc)
{
    size_t off = scan_stop_offset(fc->sc);
    query_buf *qb = &fc->qb;
    /*
     * psql adds a newline to the query buffer before each line; when a line holds
     * only a meta-command it takes that newline back out.
     */
    if (interp_ends_with_line_break(fc, off))
        qbuf_truncate(qb, qb->text.len - 1);
    char *cmd = scan_slash_command(fc->sc);
    char *gset_prefix = NULL;
    script *out = fc->ip->out;
    if (interp_active(fc) && out->nmetas < 64)
        str_set_put(&out->metas, &out->nmetas, &out->capmetas, cmd, true);
    /* run-time variables in a meta-command's arguments do not mark the statement */
    bool stmt_runtime = fc->stmt_runtime;
    fc->in_meta = true;
    cmd_status status = exec_command(fc, cmd, off, &gset_prefix);
    fc->in_meta = false;
    fc->stmt_runtime = stmt_runtime;
    if (fc->ip->out->stopped) {
        /* an included file stopped the script: read nothing more */
        free(gset_prefix);
        free(cmd);
        return;
    }

    /* psql ignores (and warns about) arguments a command did not use */
    char *extra;
    size_t eoff;
    while ((extra = scan_slash_option(fc->sc, OPT_NO_EVAL, NULL, false, &eoff)) != NULL) {
        if (interp_active(fc))
            interp_add_finding(fc, SEV_WARNING, RULE_SCRIPT_ERROR, eoff, strlen(extra),
                        "\\%s: extra argument '%s' ignored", cmd, extra);
        free(extra);
    }
    scan_slash_command_end(fc->sc);

    if (status == CMD_SEND && interp_active(fc)) {
        if (qb->text.len == 0)
            qbuf_copy(qb, &fc->prev);
        if (qb->text.len > 0)
            interp_send_query(fc, gset_prefix ? END_GSET : END_G, gset_prefix);
        scan_reset(fc->sc);
    }
    free(gset_prefix);
    free(cmd);
}

/* ------------------------------------------------------------------ main loop */

/*
 * After \q: psql reads nothing more of this file. Says so once when SQL or
 * meta-commands follow (blank lines and comments are no loss), with how many lines
 * are not read (those after the \q's line: its own rest is \q's ignored arguments).
 */
static void report_unread_rest(file_ctx *fc)
{
    const source *src = fc->src;
    size_t p = scan_next_offset(fc->sc);
    while (p < src->len && src->text[p] != '\n')
        p++;
    if (p < src->len)
        p++;
    if (p >= src->len)
        return;
    /* the lexer of PostgreSQL tells comments from text, in quotes too; a rest too
       long to scan cheaply (SQL_SCAN_MAX) that is all comments that far counts as
       text: it is said once either way */
    size_t n = src->len - p > SQL_SCAN_MAX ? SQL_SCAN_MAX : src->len - p;
    char *rest = xstrndup(src->text + p, n);
    sql_token *toks;
    size_t ntoks;
    long err;
    bool text = sql_scan(rest, &toks, &ntoks, &err) < 0 || n < src->len - p;
    for (size_t i = 0; !text && i < ntoks; i++)
        text = toks[i].kind != SQL_TOK_COMMENT;
    free(toks);
    free(rest);
    if (!text)
        return;
    size_t lines = 0;
    for (size_t i = p; i < src->len; i++)
        lines += src->text[i] == '\n';
    if (src->text[src->len - 1] != '\n')
        lines++;
    interp_add_finding(fc, SEV_WARNING, RULE_UNREAD_AFTER_QUIT, fc->quit_off, fc->quit_len,
                       "the rest of the file is not read (%zu line%s after \\%.*s): psql "
                       "stops at \\%.*s",
                       lines, lines == 1 ? "" : "s", (int)fc->quit_len - 1,
                       src->text + fc->quit_off + 1, (int)fc->quit_len - 1,
                       src->text + fc->quit_off + 1);
}

void interp_process_file(interp *ip, source *src)
{
    size_t bad;
    char *why;
    if (source_check_text(src, &bad, &why) < 0) {
        /* not a script: nothing in it is read (psql would read it up to each NUL) */
        finding_add(&ip->out->findings, SEV_ERROR, RULE_INPUT_ERROR, src, NULL, bad, 1, "%s",
                    why);
        free(why);
        return;
    }
    file_ctx fc = {.ip = ip, .src = src};
    /* a dbmate or goose file's down migration is not part of what runs */
    size_t end = ip->opt->whole_files ? src->len : source_up_end(src);
    /* CREATE EXTENSION leaves \echo lines out (the guard's \quit too) */
    char *ext_text = ext_reading(&fc) ? ext_blank_echo_lines(&fc, end) : NULL;
    fc.sc = scan_create(ext_text ? ext_text : src->text, end, &interp_scan_callbacks, &fc);
    scan_set_std_strings(fc.sc, ip->std_strings);
    interp_note_bytes(&fc);
    /* psql skips a UTF-8 byte order mark at the start of a file */
    if (src->len >= 3 && memcmp(src->text, "\xEF\xBB\xBF", 3) == 0)
        scan_jump(fc.sc, 0, 0, 3);
    if (src->real_path) {
        GROW(ip->include_stack, ip->capinclude, ip->ninclude + 1);
        ip->include_stack[ip->ninclude++] = src;
    }
    for (;;) {
        scan_result r = scan_sql(fc.sc, &fc.qb);
        if (r == SCAN_SEMICOLON) {
            if (interp_active(&fc))
                interp_send_query(&fc, END_SEMICOLON, NULL);
            else
                qbuf_reset(&fc.qb);
        } else if (r == SCAN_BACKSLASH) {
            handle_backslash(&fc);
            if (fc.quit)
                break;
        } else {
            break;
        }
        if (ip->out->stopped)
            break;
    }
    /*
     * psql sends an unterminated last statement too. It joins lines with newlines,
     * so the newline that ends the file's last line is not part of it.
     */
    if (interp_ends_with_line_break(&fc, end))
        qbuf_truncate(&fc.qb, fc.qb.text.len - 1);
    if (fc.qb.text.len > 0 && interp_active(&fc) && !ip->out->stopped)
        interp_send_query(&fc, END_EOF, NULL);
    if (fc.quit && !ip->out->stopped)
        report_unread_rest(&fc);
    /* a runner that stopped the script ends every file early: not an error of its own */
    for (size_t i = fc.quit || ip->out->stopped ? 0 : fc.nconds; i-- > 0;)
        interp_add_finding(&fc, SEV_ERROR, RULE_SCRIPT_ERROR, fc.conds[i].if_off, 3,
                    "\\if without \\endif: reached the end of '%s'", src->name);
    if (src->real_path)
        ip->ninclude--;
    scan_free(fc.sc);
    free(ext_text);
    qbuf_free(&fc.qb);
    qbuf_free(&fc.prev);
    free(fc.conds);
    interp_forget_unset(&fc);
    free(fc.unset);
    for (size_t i = 0; i < fc.ntold; i++)
        free(fc.told[i]);
    free(fc.told);
}
