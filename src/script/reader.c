/*
 * reader.c: the API of script.h: reading a script from a file or from memory
 * with the psql-compatible interpreter, its options, freeing what it read.
 *
 * The interpreter (interp.h) owns the variables, the \if stack and the error
 * policy; the scanner (script_scan.h) only finds boundaries and calls back for
 * :variables. mainloop.c is psql's MainLoop and meta-commands, statements.c its
 * SendQuery.
 *
 * Two things psql only learns at run time are modelled statically:
 *   - variables set by \gset: their names are derived from the query's target list
 *     and their values are unknown; a reference becomes a placeholder that parses
 *     (NULL, '', "?column?") and marks the
 *     statement (uses_runtime_vars);
 *   - an \if on such a value: every branch may run, so every branch is read as
 *     active and its statements are marked conditional.
 *
 * With a runner (script_options.runner) nothing is modelled: pgward behaves as psql
 * at run time. Each statement is handed to run() once it is complete, \gset assigns
 * the values run() returns, the connection's variables come from opt->vars like any
 * other, \echo text goes to echo(), and when run() says stop, every file stops at
 * once (script.stopped). Findings are those of reading statically, less the notes
 * on placeholders, plus what \gset refuses to assign.
 */
#include "script/script.h"

#include <stdlib.h>
#include <string.h>

#include "script/interp.h"

/* ------------------------------------------------------------------ API */

script_options script_options_default(void)
{
    script_options o = {0};
    o.max_include_depth = SCRIPT_MAX_INCLUDE_DEPTH;
    return o;
}

int script_set_var(script_options *opt, const char *name, const char *value)
{
    if (!interp_valid_var_name(name))
        return -1;
    interp_put_var(&opt->vars, &opt->nvars, &opt->capvars, name, value);
    return 0;
}

int script_set_var_assignment(script_options *opt, const char *assignment)
{
    const char *eq = strchr(assignment, '=');
    if (!eq)
        return -1;
    char *name = xstrndup(assignment, (size_t)(eq - assignment));
    int rc = script_set_var(opt, name, eq + 1);
    free(name);
    return rc;
}

void script_options_free(script_options *opt)
{
    for (size_t i = 0; i < opt->nvars; i++) {
        free(opt->vars[i].name);
        free(opt->vars[i].value);
    }
    free(opt->vars);
    opt->vars = NULL;
    opt->nvars = opt->capvars = 0;
}

static script *run_script(source *src, const script_options *opt, const char *root)
{
    script *s = xcalloc(1, sizeof(*s));
    interp ip;
    interp_init(&ip, s, opt, root);
    GROW(s->sources, s->capsources, 1);
    s->sources[s->nsources++] = src;
    ext_decide(s, opt, src);
    interp_process_file(&ip, src);
    interp_free(&ip);
    return s;
}

/*
 * path with "." parts, ".." parts and repeated slashes resolved by name alone
 * (malloc'd), or NULL when it is absolute, empty or climbs above its start: in a
 * set of files in memory there is no folder above the top.
 */
static char *normalise_relative(const char *path)
{
    if (!*path || path[0] == '/')
        return NULL;
    char *out = xmalloc(strlen(path) + 1);
    size_t n = 0;
    for (const char *p = path; *p;) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            if (n == 0) {
                free(out);
                return NULL;
            }
            while (n > 0 && out[n - 1] != '/')
                n--;
            if (n > 0)
                n--; /* the slash before the part dropped */
        } else if (len > 0 && !(len == 1 && p[0] == '.')) {
            if (n > 0)
                out[n++] = '/';
            memcpy(out + n, p, len);
            n += len;
        }
        p += len + (e ? 1 : 0);
    }
    out[n] = '\0';
    if (n == 0) {
        free(out);
        return NULL;
    }
    return out;
}

const script_file *script_find_file(const script_options *opt, const char *path)
{
    char *key = normalise_relative(path);
    const script_file *hit = NULL;
    for (size_t i = 0; key && i < opt->nfiles && !hit; i++)
        if (strcmp(opt->files[i].path, key) == 0)
            hit = &opt->files[i];
    free(key);
    return hit;
}

script *script_read_file(const char *path, const script_options *opt)
{
    char *err = NULL;
    if (opt->files) {
        /* the verified bytes only: the disk may have changed since they were read */
        const script_file *f = script_find_file(opt, path);
        if (!f) {
            script *s = xcalloc(1, sizeof(*s));
            finding_add(&s->findings, SEV_ERROR, RULE_INPUT_ERROR, NULL, path, 0, 0,
                        "'%s' is not one of the files read", path);
            return s;
        }
        return run_script(source_from_memory(path, f->path, f->text, f->len), opt, NULL);
    }
    source *src = source_load(path, &err);
    if (!src) {
        script *s = xcalloc(1, sizeof(*s));
        finding_add(&s->findings, SEV_ERROR, RULE_INPUT_ERROR, NULL, path, 0, 0, "%s", err);
        free(err);
        return s;
    }
    if (opt->root)
        return run_script(src, opt, opt->root);
    if (!src->real_path) {
        /* stdin: includes stay below the current folder */
        return run_script(src, opt, ".");
    }
    char *dir = interp_dir_of(path);
    script *s = run_script(src, opt, dir);
    free(dir);
    return s;
}

script *script_read_memory(const char *name, const char *text, size_t len,
                           const script_options *opt)
{
    source *src = source_from_memory(name, NULL, text, len);
    return run_script(src, opt, opt->root ? opt->root : ".");
}

void script_free(script *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nstmts; i++)
        interp_statement_free(&s->stmts[i]);
    free(s->stmts);
    for (size_t i = 0; i < s->nsources; i++)
        source_free(s->sources[i]);
    free(s->sources);
    finding_list_free(&s->findings);
    finding_list_free(&s->notes);
    for (size_t i = 0; i < s->nmetas; i++)
        free(s->metas[i]);
    free(s->metas);
    free(s->extschema);
    free(s);
}
