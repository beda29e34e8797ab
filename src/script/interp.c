/*
 * interp.c: the interpreter's state (interp.h): its variables (psql's defaults,
 * the booleans, the hooked ones, those only known at run time), its findings,
 * whether the current \if branch is active, and the callbacks through which the
 * scanner substitutes :variables (and learns which it leaves unset). Every other file of the interpreter builds on
 * this one.
 */
#include "script/interp.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "base/util.h"
#include "parse/pgnode.h"

/* ------------------------------------------------------------------ findings */

void interp_add_finding(file_ctx *fc, severity sev, rule_id rule, size_t off, size_t len,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    finding_add(&fc->ip->out->findings, sev, rule, fc->src, NULL, off, len, "%s", msg);
    free(msg);
}

/* Notes beyond this many are summed up in one (a hostile file can hold millions). */
#define MAX_NOTES 1000

void interp_add_note(file_ctx *fc, size_t off, size_t len, const char *fmt, ...)
{
    finding_list *notes = &fc->ip->out->notes;
    if (notes->count > MAX_NOTES)
        return;
    if (notes->count == MAX_NOTES) {
        finding_add(notes, SEV_ERROR, RULE_UNPROVEN, fc->src, NULL, off, len,
                    "more than %d constructs cannot be proven; the rest are not listed",
                    MAX_NOTES);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    finding_add(notes, SEV_ERROR, RULE_UNPROVEN, fc->src, NULL, off, len, "%s", msg);
    free(msg);
}

/* Where the first byte sequence that is not UTF-8 starts, or len when all of it is
   (PCRE2's UTF check rejects what PostgreSQL's UTF8 verifier rejects: overlong
   forms, surrogates, code points past U+10FFFF, truncated sequences). */
static size_t first_invalid_utf8(const char *text, size_t len)
{
    int err;
    PCRE2_SIZE erroff;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR) "", 0, PCRE2_UTF, &err, &erroff, NULL);
    if (!re)
        die_out_of_memory();
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    if (!md)
        die_out_of_memory();
    int rc = pcre2_match(re, (PCRE2_SPTR)text, len, 0, 0, md, NULL);
    size_t at = len;
    if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21)
        at = pcre2_get_startchar(md);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    return at;
}

/*
 * Notes the bytes of the file that psql may read otherwise than pgward does: a NUL
 * (psql stops a line there), other control bytes (never part of SQL a reviewer
 * reads), bytes that are not UTF-8 (apply sends UTF8; in another client encoding
 * psql splits multibyte characters its own way). The first of each kind, with a
 * count.
 */
void interp_note_bytes(file_ctx *fc)
{
    const source *src = fc->src;
    size_t nul = 0, ctrl = 0, first_nul = 0, first_ctrl = 0;
    for (size_t i = 0; i < src->len; i++) {
        unsigned char b = (unsigned char)src->text[i];
        if (b == 0) {
            if (nul++ == 0)
                first_nul = i;
        } else if ((b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7f) {
            /* (\v and \f too: psql 15 reads \v as part of a word in meta-commands) */
            if (ctrl++ == 0)
                first_ctrl = i;
        }
    }
    if (nul)
        interp_add_note(fc, first_nul, 1,
                        "a NUL byte (%zu in this file): psql and pgward may read the text "
                        "after it differently",
                        nul);
    if (ctrl)
        interp_add_note(fc, first_ctrl, 1,
                        "control byte 0x%02x (%zu in this file): not part of a script "
                        "pgward can prove",
                        (unsigned char)src->text[first_ctrl], ctrl);
    size_t bad = first_invalid_utf8(src->text, src->len);
    if (bad < src->len)
        interp_add_note(fc, bad, 1,
                        "byte 0x%02x is not valid UTF-8: in another encoding psql may "
                        "split the text otherwise",
                        (unsigned char)src->text[bad]);
}

/* ------------------------------------------------------------------ variables */

/* psql's VariableNameValid: ASCII letters, digits, underscore, or any high-bit byte. */
bool interp_valid_var_name(const char *name)
{
    if (!*name)
        return false;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (!(*p >= 0x80 || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    }
    return true;
}

static script_var *find_var(script_var *vars, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(vars[i].name, name) == 0)
            return &vars[i];
    return NULL;
}

void interp_put_var(script_var **vars, size_t *n, size_t *cap, const char *name,
                    const char *value)
{
    script_var *v = find_var(*vars, *n, name);
    if (v) {
        free(v->value);
        v->value = xstrdup(value);
        return;
    }
    GROW(*vars, *cap, *n + 1);
    (*vars)[*n].name = xstrdup(name);
    (*vars)[*n].value = xstrdup(value);
    (*n)++;
}

static void del_var(script_var *vars, size_t *n, const char *name)
{
    script_var *v = find_var(vars, *n, name);
    if (!v)
        return;
    free(v->name);
    free(v->value);
    *v = vars[--*n];
}

/* psql's boolean-valued variables: unset means off, set without a value means on. */
static const char *const bool_vars[] = {
    "AUTOCOMMIT", "HIDE_TABLEAM", "HIDE_TOAST_COMPRESSION", "ON_ERROR_STOP",
    "QUIET", "SINGLELINE", "SINGLESTEP",
};

static bool is_bool_var(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(bool_vars); i++)
        if (strcmp(bool_vars[i], name) == 0)
            return true;
    return false;
}

/* Variables psql -X sets before reading a script whose values pgward knows. */
static const char *const default_vars[][2] = {
    {"AUTOCOMMIT", "on"}, {"COMP_KEYWORD_CASE", "preserve-upper"}, {"ECHO", "none"},
    {"ECHO_HIDDEN", "off"}, {"FETCH_COUNT", "0"}, {"HIDE_TABLEAM", "off"},
    {"HIDE_TOAST_COMPRESSION", "off"}, {"HISTCONTROL", "none"}, {"HISTSIZE", "500"},
    {"IGNOREEOF", "0"}, {"ON_ERROR_ROLLBACK", "off"}, {"ON_ERROR_STOP", "off"},
    {"PROMPT1", "%/%R%x%# "}, {"PROMPT2", "%/%R%x%# "}, {"PROMPT3", ">> "},
    {"QUIET", "off"}, {"SHOW_CONTEXT", "errors"}, {"SINGLELINE", "off"},
    {"SINGLESTEP", "off"}, {"VERBOSITY", "default"},
};

/* Variables psql sets from the connection or the last query: known only at run time. */
static const char *const runtime_vars[] = {
    "DBNAME", "ENCODING", "ERROR", "HOST", "LASTOID", "LAST_ERROR_MESSAGE",
    "LAST_ERROR_SQLSTATE", "PORT", "ROW_COUNT", "SERVER_VERSION_NAME",
    "SERVER_VERSION_NUM", "SQLSTATE", "USER", "VERSION", "VERSION_NAME", "VERSION_NUM",
};

/* Variables psql 15 gives a hook (EstablishVariableSpace): \gset never sets them. */
static const char *const hooked_vars[] = {
    "AUTOCOMMIT", "COMP_KEYWORD_CASE", "ECHO", "ECHO_HIDDEN", "FETCH_COUNT",
    "HIDE_TABLEAM", "HIDE_TOAST_COMPRESSION", "HISTCONTROL", "HISTFILE", "HISTSIZE",
    "IGNOREEOF", "ON_ERROR_ROLLBACK", "ON_ERROR_STOP", "PROMPT1", "PROMPT2", "PROMPT3",
    "QUIET", "SHOW_ALL_RESULTS", "SHOW_CONTEXT", "SINGLELINE", "SINGLESTEP", "VERBOSITY",
};

bool interp_is_hooked_var(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(hooked_vars); i++)
        if (strcmp(hooked_vars[i], name) == 0)
            return true;
    return false;
}

/* psql's variables whose values earlier statements' results decide. */
static const char *const result_vars[] = {"ERROR", "LAST_ERROR_MESSAGE", "LAST_ERROR_SQLSTATE",
                                          "ROW_COUNT", "SQLSTATE"};

static bool is_runtime(const interp *ip, const char *name)
{
    for (size_t i = 0; i < ip->nruntime; i++) {
        size_t n = strlen(ip->runtime[i]);
        /* an entry ending in '*' stands for every name with that prefix (\gset of *) */
        if (n > 0 && ip->runtime[i][n - 1] == '*') {
            if (strncmp(ip->runtime[i], name, n - 1) == 0)
                return true;
        } else if (strcmp(ip->runtime[i], name) == 0) {
            return true;
        }
    }
    return false;
}

void interp_set_runtime(interp *ip, const char *name, bool on)
{
    str_set_put(&ip->runtime, &ip->nruntime, &ip->capruntime, name, on);
}

/*
 * psql's ParseVariableBool: unique prefixes of true/false/yes/no, "on"/"off" (at
 * least two letters), 1 and 0, case-insensitively.
 */
bool interp_parse_bool(const char *value, bool *result)
{
    size_t len = strlen(value);
    if (len > 0 && ascii_strncasecmp(value, "true", len) == 0 && len <= 4)
        *result = true;
    else if (len > 0 && ascii_strncasecmp(value, "false", len) == 0 && len <= 5)
        *result = false;
    else if (len > 0 && ascii_strncasecmp(value, "yes", len) == 0 && len <= 3)
        *result = true;
    else if (len > 0 && ascii_strncasecmp(value, "no", len) == 0 && len <= 2)
        *result = false;
    else if (len >= 2 && len <= 2 && ascii_strncasecmp(value, "on", 2) == 0)
        *result = true;
    else if (len >= 2 && len <= 3 && ascii_strncasecmp(value, "off", len) == 0)
        *result = false;
    else if (strcmp(value, "1") == 0)
        *result = true;
    else if (strcmp(value, "0") == 0)
        *result = false;
    else
        return false;
    return true;
}

/*
 * Sets a variable as psql's \set does, applying the boolean hooks. Returns -1 with a
 * finding when the value is refused (the variable keeps its old value).
 */
int interp_assign_var(file_ctx *fc, const char *name, const char *value, size_t off,
                      size_t len)
{
    interp *ip = fc->ip;
    if (value && is_bool_var(name)) {
        bool b;
        if (value[0] == '\0') {
            value = "on";
        } else if (!interp_parse_bool(value, &b)) {
            interp_add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, len,
                        "unrecognized value '%s' for '%s': Boolean expected", value, name);
            return -1;
        }
        if (strcmp(name, "SINGLELINE") == 0 && interp_parse_bool(value, &b) && b)
            interp_add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, len,
                        "single-line mode (SINGLELINE) is not supported");
    }
    if (!value && is_bool_var(name))
        value = "off";
    interp_set_runtime(ip, name, false);
    if (value)
        interp_put_var(&ip->vars, &ip->nvars, &ip->capvars, name, value);
    else
        del_var(ip->vars, &ip->nvars, name);
    return 0;
}

/* PQescapeLiteral's result: quotes and backslashes doubled, " E" when backslashes. */
static char *quote_literal(const char *v)
{
    strbuf sb = {0};
    if (strchr(v, '\\'))
        sb_adds(&sb, " E");
    sb_addc(&sb, '\'');
    for (const char *p = v; *p; p++) {
        if (*p == '\'' || *p == '\\')
            sb_addc(&sb, *p);
        sb_addc(&sb, *p);
    }
    sb_addc(&sb, '\'');
    return sb_detach(&sb, NULL);
}

static char *quote_ident(const char *v)
{
    strbuf sb = {0};
    sb_addc(&sb, '"');
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            sb_addc(&sb, '"');
        sb_addc(&sb, *p);
    }
    sb_addc(&sb, '"');
    return sb_detach(&sb, NULL);
}

/* ------------------------------------------------------------------ \if stack */

void interp_forget_unset(file_ctx *fc)
{
    for (size_t i = 0; i < fc->nunset; i++)
        free(fc->unset[i].name);
    fc->nunset = 0;
}

bool interp_active(const file_ctx *fc)
{
    if (fc->nconds == 0)
        return true;
    if_state s = fc->conds[fc->nconds - 1].state;
    return s == IF_TRUE || s == IF_ELSE_TRUE;
}

bool interp_in_unknown_branch(const file_ctx *fc)
{
    for (size_t i = 0; i < fc->nconds; i++)
        if (fc->conds[i].cur_unknown)
            return true;
    return false;
}

/* ------------------------------------------------------------------ scanner callbacks */

static char *cb_get_variable(void *ctx, const char *name, var_quote q, size_t off, size_t len)
{
    file_ctx *fc = ctx;
    /* psql substitutes nothing in an inactive \if branch */
    if (!interp_active(fc))
        return NULL;
    if (is_runtime(fc->ip, name)) {
        fc->stmt_runtime = true;
        for (size_t i = 0; !fc->in_meta && i < ARRAY_SIZE(result_vars); i++)
            fc->stmt_result |= strcmp(result_vars[i], name) == 0;
        fc->expr_runtime = true;
        interp_add_finding(fc, SEV_INFO, RULE_SCRIPT_ERROR, off, len,
                    "variable '%s' is only known at run time (\\gset or connection); "
                    "analysed with a placeholder",
                    name);
        if (q == VARQ_PLAIN && !fc->in_meta)
            interp_add_note(fc, off, len,
                            "run-time value of '%s' is interpolated as SQL text: quote it as "
                            "a literal (:'%s') or an identifier (:\"%s\")",
                            name, name, name);
        /* a placeholder that parses where such a reference usually stands */
        return xstrdup(q == VARQ_LITERAL ? "'" RUNTIME_LITERAL_TEXT "'"
                       : q == VARQ_IDENT ? "\"" RUNTIME_IDENT_TEXT "\""
                                         : "NULL");
    }
    const script_var *v = find_var(fc->ip->vars, fc->ip->nvars, name);
    if (!v) {
        /* psql leaves it as written: if the statement then does not parse, this is
           why (statements.c reports it once instead of a syntax error) */
        if (!fc->in_meta) {
            GROW(fc->unset, fc->capunset, fc->nunset + 1);
            fc->unset[fc->nunset++] = (unset_ref){
                .name = xstrdup(name), .off = off, .len = len, .text_off = fc->qb.text.len,
                .quote = q};
        }
        return NULL;
    }
    /* bound what variables can add (\set a :b:b ... doubles at every line) */
    size_t limit = fc->ip->opt->max_substitution ? fc->ip->opt->max_substitution
                                                   : SCRIPT_MAX_SUBSTITUTION;
    size_t vlen = strlen(v->value);
    if (vlen > limit - fc->ip->substituted) {
        if (!fc->ip->substitution_reported)
            interp_add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, len,
                        "variables would add more than %zu bytes to this script; "
                        "'%s' and later references left as written",
                        limit, name);
        fc->ip->substitution_reported = true;
        return NULL;
    }
    fc->ip->substituted += vlen;
    switch (q) {
    case VARQ_LITERAL:
        return quote_literal(v->value);
    case VARQ_IDENT:
        return quote_ident(v->value);
    default:
        return xstrdup(v->value);
    }
}

static bool cb_is_defined(void *ctx, const char *name)
{
    file_ctx *fc = ctx;
    if (!interp_active(fc))
        return false;
    if (is_runtime(fc->ip, name)) {
        /* whether \gset set it depends on its query's result (no row: not set), so
           :{?name} is a run-time value too */
        fc->stmt_runtime = true;
        fc->expr_runtime = true;
        return true;
    }
    return find_var(fc->ip->vars, fc->ip->nvars, name) != NULL;
}

static void cb_report(void *ctx, severity sev, size_t off, size_t len, const char *message)
{
    file_ctx *fc = ctx;
    if (!interp_active(fc) && sev < SEV_ERROR)
        return;
    interp_add_finding(fc, sev, RULE_SCRIPT_ERROR, off, len, "%s", message);
    if (interp_active(fc) && strncmp(message, "backquote", 9) == 0)
        interp_add_note(fc, off, len, "psql runs a shell command for a backquoted argument");
}

const scan_callbacks interp_scan_callbacks = {
    .get_variable = cb_get_variable,
    .is_defined = cb_is_defined,
    .report = cb_report,
};

/* ------------------------------------------------------------------ text */

char *interp_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

/*
 * Whether the query buffer ends with the line break psql would have added before
 * the line that starts at source offset at (only empty lines in between).
 */
bool interp_ends_with_line_break(const file_ctx *fc, size_t at)
{
    const query_buf *qb = &fc->qb;
    if (qb->text.len == 0 || qb->text.buf[qb->text.len - 1] != '\n' || qb->nspans == 0)
        return false;
    const text_span *last = &qb->spans[qb->nspans - 1];
    size_t end = last->src_off + last->src_len;
    if (last->substituted || end > at || end == 0 || fc->src->text[end - 1] != '\n')
        return false;
    for (size_t i = end; i < at; i++)
        if (fc->src->text[i] != '\n')
            return false;
    return at == fc->src->len || fc->src->text[at - 1] == '\n';
}

/* ------------------------------------------------------------------ life */

void interp_init(interp *ip, script *out, const script_options *opt, const char *root)
{
    memset(ip, 0, sizeof(*ip));
    ip->out = out;
    ip->opt = opt;
    ip->std_strings = true;
    for (size_t i = 0; i < ARRAY_SIZE(default_vars); i++)
        interp_put_var(&ip->vars, &ip->nvars, &ip->capvars, default_vars[i][0], default_vars[i][1]);
    /* run-time mode: the runner passes the connection's values in opt->vars */
    for (size_t i = 0; !opt->runner && i < ARRAY_SIZE(runtime_vars); i++)
        interp_set_runtime(ip, runtime_vars[i], true);
    for (size_t i = 0; i < opt->nvars; i++) {
        interp_set_runtime(ip, opt->vars[i].name, false);
        interp_put_var(&ip->vars, &ip->nvars, &ip->capvars, opt->vars[i].name, opt->vars[i].value);
    }
    if (root) {
        ip->root = realpath(root, NULL);
        ip->root_name = xstrdup(root);
    }
}

void interp_free(interp *ip)
{
    for (size_t i = 0; i < ip->nvars; i++) {
        free(ip->vars[i].name);
        free(ip->vars[i].value);
    }
    free(ip->vars);
    for (size_t i = 0; i < ip->nruntime; i++)
        free(ip->runtime[i]);
    free(ip->runtime);
    free(ip->include_stack);
    free(ip->root);
    free(ip->root_name);
    free(ip->restrict_key);
}
