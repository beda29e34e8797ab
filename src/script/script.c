/*
 * script.c: the psql-compatible script interpreter; see script.h.
 *
 * process_file() is psql's MainLoop: it asks the scanner (script_scan.h) for the
 * next boundary, sends a finished statement (parse it once, record it), and runs
 * meta-commands: \set \unset \echo \qecho \i \ir \include \include_relative
 * \if \elif \else \endif \g \gset. Every other meta-command is reported, never
 * silently skipped. The interpreter owns the variables, the \if stack and the
 * error policy; the scanner only finds boundaries and calls back for :variables.
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

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_nodes.h"
#include "script/script_scan.h"

/* ------------------------------------------------------------------ types */

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

typedef struct file_ctx {
    interp *ip;
    source *src;
    scan_state *sc;
    query_buf qb;
    query_buf prev;          /* the last statement sent, for \g on an empty buffer */
    cond *conds;
    size_t nconds, capconds;
    bool quit;               /* \q: stop reading this file */
    bool stmt_runtime;       /* the statement being collected uses a \gset variable */
    bool expr_runtime;       /* the \if expression being read uses one */
} file_ctx;

typedef enum cmd_status { CMD_SKIP, CMD_SEND } cmd_status;

static void process_file(interp *ip, source *src);

/* ------------------------------------------------------------------ findings */

static void add_finding(file_ctx *fc, severity sev, rule_id rule, size_t off, size_t len,
                        const char *fmt, ...) PRINTF_LIKE(6, 7);

static void add_finding(file_ctx *fc, severity sev, rule_id rule, size_t off, size_t len,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    finding_add(&fc->ip->out->findings, sev, rule, fc->src, NULL, off, len, "%s", msg);
    free(msg);
}

/* ------------------------------------------------------------------ variables */

/* psql's VariableNameValid: ASCII letters, digits, underscore, or any high-bit byte. */
static bool valid_var_name(const char *name)
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

static void put_var(script_var **vars, size_t *n, size_t *cap, const char *name,
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

static bool is_hooked_var(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(hooked_vars); i++)
        if (strcmp(hooked_vars[i], name) == 0)
            return true;
    return false;
}

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

static void set_runtime(interp *ip, const char *name, bool on)
{
    for (size_t i = 0; i < ip->nruntime; i++) {
        if (strcmp(ip->runtime[i], name) == 0) {
            if (!on) {
                free(ip->runtime[i]);
                ip->runtime[i] = ip->runtime[--ip->nruntime];
            }
            return;
        }
    }
    if (on) {
        GROW(ip->runtime, ip->capruntime, ip->nruntime + 1);
        ip->runtime[ip->nruntime++] = xstrdup(name);
    }
}

/*
 * psql's ParseVariableBool: unique prefixes of true/false/yes/no, "on"/"off" (at
 * least two letters), 1 and 0, case-insensitively.
 */
static bool parse_bool(const char *value, bool *result)
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
static int assign_var(file_ctx *fc, const char *name, const char *value, size_t off,
                      size_t len)
{
    interp *ip = fc->ip;
    if (value && is_bool_var(name)) {
        bool b;
        if (value[0] == '\0') {
            value = "on";
        } else if (!parse_bool(value, &b)) {
            add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, len,
                        "unrecognized value '%s' for '%s': Boolean expected", value, name);
            return -1;
        }
        if (strcmp(name, "SINGLELINE") == 0 && parse_bool(value, &b) && b)
            add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, len,
                        "single-line mode (SINGLELINE) is not supported");
    }
    if (!value && is_bool_var(name))
        value = "off";
    set_runtime(ip, name, false);
    if (value)
        put_var(&ip->vars, &ip->nvars, &ip->capvars, name, value);
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

static bool active(const file_ctx *fc)
{
    if (fc->nconds == 0)
        return true;
    if_state s = fc->conds[fc->nconds - 1].state;
    return s == IF_TRUE || s == IF_ELSE_TRUE;
}

static bool in_unknown_branch(const file_ctx *fc)
{
    for (size_t i = 0; i < fc->nconds; i++)
        if (fc->conds[i].cur_unknown)
            return true;
    return false;
}

/* ------------------------------------------------------------------ callbacks */

static char *cb_get_variable(void *ctx, const char *name, var_quote q, size_t off, size_t len)
{
    file_ctx *fc = ctx;
    /* psql substitutes nothing in an inactive \if branch */
    if (!active(fc))
        return NULL;
    if (is_runtime(fc->ip, name)) {
        fc->stmt_runtime = true;
        fc->expr_runtime = true;
        add_finding(fc, SEV_INFO, RULE_SCRIPT_ERROR, off, len,
                    "variable '%s' is only known at run time (\\gset or connection); "
                    "analysed with a placeholder",
                    name);
        /* a placeholder that parses where such a reference usually stands */
        return xstrdup(q == VARQ_LITERAL ? "''" : q == VARQ_IDENT ? "\"?column?\"" : "NULL");
    }
    const script_var *v = find_var(fc->ip->vars, fc->ip->nvars, name);
    if (!v)
        return NULL;
    /* bound what variables can add (\set a :b:b ... doubles at every line) */
    size_t limit = fc->ip->opt->max_substitution ? fc->ip->opt->max_substitution
                                                   : SCRIPT_MAX_SUBSTITUTION;
    size_t vlen = strlen(v->value);
    if (vlen > limit - fc->ip->substituted) {
        if (!fc->ip->substitution_reported)
            add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, len,
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
    if (!active(fc))
        return false;
    return find_var(fc->ip->vars, fc->ip->nvars, name) || is_runtime(fc->ip, name);
}

static void cb_report(void *ctx, severity sev, size_t off, size_t len, const char *message)
{
    file_ctx *fc = ctx;
    if (!active(fc) && sev < SEV_ERROR)
        return;
    add_finding(fc, sev, RULE_SCRIPT_ERROR, off, len, "%s", message);
}

static const scan_callbacks callbacks = {
    .get_variable = cb_get_variable,
    .is_defined = cb_is_defined,
    .report = cb_report,
};

/* ------------------------------------------------------------------ statements */

size_t statement_source_offset(const statement *st, size_t text_off)
{
    for (size_t i = 0; i < st->nspans; i++) {
        const text_span *sp = &st->spans[i];
        if (text_off < sp->text_off + sp->len || i + 1 == st->nspans) {
            if (sp->substituted || text_off < sp->text_off)
                return sp->src_off;
            size_t d = text_off - sp->text_off;
            if (sp->len != sp->src_len && d >= sp->src_len)
                d = sp->src_len ? sp->src_len - 1 : 0;
            return sp->src_off + d;
        }
    }
    return st->offset;
}

/* The name psql gives a result column (FigureColname, for the common cases). */
static const char *column_name(const cJSON *res_target)
{
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(res_target, PGN_ResTarget);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(rt, PGF_name);
    if (cJSON_IsString(name))
        return name->valuestring;
    const cJSON *val = cJSON_GetObjectItemCaseSensitive(rt, PGF_val);
    for (int guard = 0; val && guard < 16; guard++) {
        const char *kind = sql_node_kind(val);
        const cJSON *f = sql_node_fields(val);
        const cJSON *list = NULL;
        if (!kind)
            break;
        if (strcmp(kind, PGN_ColumnRef) == 0)
            list = cJSON_GetObjectItemCaseSensitive(f, PGF_fields);
        else if (strcmp(kind, PGN_FuncCall) == 0)
            list = cJSON_GetObjectItemCaseSensitive(f, PGF_funcname);
        else if (strcmp(kind, PGN_TypeCast) == 0) {
            val = cJSON_GetObjectItemCaseSensitive(f, PGF_arg);
            continue;
        }
        if (!list)
            break;
        const cJSON *last = cJSON_GetArrayItem(list, cJSON_GetArraySize(list) - 1);
        if (sql_node_kind(last) && strcmp(sql_node_kind(last), PGN_A_Star) == 0)
            return "*";
        const cJSON *sv = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(last, PGN_String), PGF_sval);
        if (cJSON_IsString(sv))
            return sv->valuestring;
        break;
    }
    return "?column?";
}

/* Marks the variables a \gset would set as known only at run time. */
static void note_gset_vars(file_ctx *fc, const statement *st)
{
    if (st->parse.nstmts != 1)
        return;
    const cJSON *fields = sql_node_fields(st->parse.stmts[0]);
    const cJSON *targets = cJSON_GetObjectItemCaseSensitive(fields, PGF_targetList);
    if (!targets)
        targets = cJSON_GetObjectItemCaseSensitive(fields, PGF_returningList);
    if (!targets) {
        /* FETCH, EXECUTE, ...: the columns are unknown, so is every such variable */
        char *all = xasprintf("%s*", st->gset_prefix);
        set_runtime(fc->ip, all, true);
        free(all);
        return;
    }
    const cJSON *t;
    cJSON_ArrayForEach(t, targets) {
        const char *col = column_name(t);
        char *name = xasprintf("%s%s", st->gset_prefix, col);
        set_runtime(fc->ip, name, true);
        free(name);
    }
}

/*
 * psql reads COPY ... FROM STDIN data from the lines after the COPY's line, up to
 * a line "\." (or the end of the file); the rest of the COPY's own line is read as
 * script after the data.
 */
static void take_copy_data(file_ctx *fc, statement *st)
{
    const char *text = fc->src->text;
    size_t len = fc->src->len;
    size_t p = scan_next_offset(fc->sc);
    size_t eol = p;
    while (eol < len && text[eol] != '\n')
        eol++;
    size_t start = eol < len ? eol + 1 : len;
    size_t q = start, data_end = len, resume = len;
    while (q < len) {
        size_t le = q;
        while (le < len && text[le] != '\n')
            le++;
        size_t ll = le - q;
        if (le < len && ((ll == 2 && memcmp(text + q, "\\.", 2) == 0) ||
                         (ll == 3 && memcmp(text + q, "\\.\r", 3) == 0))) {
            data_end = q;
            resume = le + 1;
            break;
        }
        q = le < len ? le + 1 : le;
    }
    if (q >= len && start < len) {
        /* psql sends the rest of the file as data when the COPY succeeds */
        add_finding(fc, SEV_WARNING, RULE_SCRIPT_ERROR, st->offset, 0,
                    "COPY data has no line '\\.': psql sends the rest of the file as data, "
                    "so nothing after this COPY is read as SQL");
    }
    st->copy_data = text + start;
    st->copy_data_len = data_end - start;
    scan_jump(fc->sc, p, eol, resume);
}

/*
 * psql lexes '...' by the server's standard_conforming_strings: follow SET and
 * RESET of it (per session, so included files inherit it).
 */
static void track_std_strings(file_ctx *fc, const parsed_sql *p)
{
    for (size_t i = 0; i < p->nstmts; i++) {
        const char *kind = sql_node_kind(p->stmts[i]);
        if (!kind || strcmp(kind, PGN_VariableSetStmt) != 0)
            continue;
        const cJSON *f = sql_node_fields(p->stmts[i]);
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, PGF_name);
        if (!cJSON_IsString(name) ||
            ascii_strcasecmp(name->valuestring, "standard_conforming_strings") != 0)
            continue;
        const cJSON *kindv = cJSON_GetObjectItemCaseSensitive(f, PGF_kind);
        bool on = true;
        if (cJSON_IsString(kindv) && strcmp(kindv->valuestring, "VAR_SET_VALUE") == 0) {
            const cJSON *c = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(f, PGF_args), 0),
                PGN_A_Const);
            const cJSON *sv = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(c, PGF_sval), PGF_sval);
            const cJSON *iv = cJSON_GetObjectItemCaseSensitive(c, PGF_ival);
            bool b;
            if (cJSON_IsString(sv) && parse_bool(sv->valuestring, &b))
                on = b;
            else if (iv)
                on = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(iv, PGF_ival)) != 0;
            else
                continue; /* a value the server refuses: nothing changes */
        }
        fc->ip->std_strings = on;
        scan_set_std_strings(fc->sc, on);
    }
}

/*
 * Run-time mode: hands st (the script's last statement) to the runner. For \gset,
 * assigns the variables run() returns as psql's StoreQueryTuple does: through
 * \set's path (a NULL value unsets), except that a specially treated variable is
 * ignored with a warning and an invalid name is an error that leaves the remaining
 * ones unassigned. A non-zero return stops the script (s->stopped); the variables
 * are then not assigned. Frees whatever run() returned.
 */
static void run_statement(file_ctx *fc, const statement *st)
{
    const script_runner *r = fc->ip->opt->runner;
    script_var *vars = NULL;
    size_t nvars = 0;
    int rc = r->run ? r->run(r->ctx, fc->ip->out, st, &vars, &nvars) : 0;
    bool assign = rc == 0 && st->end == END_GSET;
    for (size_t i = 0; i < nvars; i++) {
        const char *name = vars[i].name;
        if (!assign || !name) {
            /* not \gset, stopped, or after a refused name: nothing is assigned */
        } else if (is_hooked_var(name)) {
            add_finding(fc, SEV_WARNING, RULE_SCRIPT_ERROR, st->offset, st->length,
                        "attempt to \\gset into specially treated variable '%s' ignored",
                        name);
        } else if (!valid_var_name(name)) {
            add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, st->offset, st->length,
                        "\\gset: invalid variable name: '%s'", name);
            assign = false;
        } else {
            assign_var(fc, name, vars[i].value, st->offset, st->length);
        }
        free(vars[i].name);
        free(vars[i].value);
    }
    free(vars);
    if (rc != 0)
        fc->ip->out->stopped = true;
}

static void statement_free(statement *st)
{
    free(st->text);
    free(st->spans);
    free(st->gset_prefix);
    free(st->kind);
    if (!st->parse_borrowed)
        parsed_sql_free(&st->parse);
    memset(st, 0, sizeof(*st));
}

/* Sends the query buffer: records it as a statement (psql's SendQuery). */
static void send_query(file_ctx *fc, stmt_end end, const char *gset_prefix)
{
    query_buf *qb = &fc->qb;
    script *out = fc->ip->out;
    GROW(out->stmts, out->capstmts, out->nstmts + 1);
    statement *st = &out->stmts[out->nstmts++];
    memset(st, 0, sizeof(*st));
    st->text = xstrndup(qb->text.buf ? qb->text.buf : "", qb->text.len);
    st->text_len = qb->text.len;
    st->src = fc->src;
    st->nspans = qb->nspans;
    st->spans = xmalloc((qb->nspans ? qb->nspans : 1) * sizeof(text_span));
    if (qb->nspans)
        memcpy(st->spans, qb->spans, qb->nspans * sizeof(text_span));
    size_t lo = SIZE_MAX, hi = 0;
    for (size_t i = 0; i < st->nspans; i++) {
        if (st->spans[i].src_off < lo)
            lo = st->spans[i].src_off;
        if (st->spans[i].src_off + st->spans[i].src_len > hi)
            hi = st->spans[i].src_off + st->spans[i].src_len;
    }
    if (lo == SIZE_MAX)
        lo = hi = scan_stop_offset(fc->sc);
    st->offset = lo;
    st->length = hi - lo;
    source_position(fc->src, lo, &st->line, &st->column);
    st->end = end;
    st->gset_prefix = gset_prefix ? xstrdup(gset_prefix) : NULL;
    st->conditional = in_unknown_branch(fc);
    st->uses_runtime_vars = fc->stmt_runtime;
    /* a runner may hold this very text parsed already (apply's static read) */
    const script_runner *runner = fc->ip->opt->runner;
    const parsed_sql *earlier = runner && runner->parsed ? runner->parsed(runner->ctx, st) : NULL;
    if (earlier) {
        st->parse = *earlier;
        st->parse_borrowed = true;
    } else {
        st->parse = sql_parse(st->text);
    }
    st->kind = sql_kind_string(&st->parse);
    if (st->parse.error) {
        size_t at = st->parse.error_offset >= 0
                        ? statement_source_offset(st, (size_t)st->parse.error_offset)
                        : st->offset;
        /* libpg_query always parses with standard_conforming_strings on */
        add_finding(fc, SEV_ERROR, RULE_SYNTAX_ERROR, at, 0, "%s%s", st->parse.error,
                    fc->ip->std_strings ? ""
                                        : " (pgward parses with standard_conforming_strings "
                                          "on; this script turned it off)");
        finding_set_statement(&fc->ip->out->findings, st->text);
    }
    if (end == END_GSET && !fc->ip->opt->runner)
        note_gset_vars(fc, st);
    if (end != END_EOF && sql_is_copy_from_stdin(&st->parse))
        take_copy_data(fc, st);
    track_std_strings(fc, &st->parse);
    out->nread++;
    if (fc->ip->opt->runner)
        run_statement(fc, st);
    const script_sink *sink = fc->ip->opt->sink;
    if (sink) {
        sink->statement(sink->ctx, out, st);
        if (!sink->keep)
            statement_free(&out->stmts[--out->nstmts]);
    }

    qbuf_copy(&fc->prev, qb);
    qbuf_reset(qb);
    fc->stmt_runtime = false;
}

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
    } else if (parse_bool(expr, &b)) {
        t = b ? TRI_TRUE : TRI_FALSE;
    } else {
        add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, strlen(expr),
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
    bool was_active = active(fc);
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
        add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, len, "\\elif: no matching \\if");
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
        add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, len,
                    "\\elif: cannot occur after \\else");
        skip_args(fc);
        break;
    }
}

static void exec_else(file_ctx *fc, size_t off, size_t len)
{
    if (fc->nconds == 0) {
        add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, len, "\\else: no matching \\if");
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
        add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, len,
                    "\\else: cannot occur after \\else");
        break;
    }
}

static void exec_endif(file_ctx *fc, size_t off, size_t len)
{
    if (fc->nconds == 0) {
        add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, len, "\\endif: no matching \\if");
        return;
    }
    cond *c = &fc->conds[fc->nconds - 1];
    if (c->state != IF_TRUE && c->state != IF_ELSE_TRUE)
        discard_query_text(fc, c);
    fc->nconds--;
}

static void exec_set(file_ctx *fc, size_t off, size_t len)
{
    size_t name_off = off;
    char *name = scan_slash_option(fc->sc, OPT_NORMAL, NULL, false, &name_off);
    if (!name)
        return; /* \set alone lists the variables */
    fc->expr_runtime = false;
    char *value = gather_args(fc, OPT_NORMAL, NULL, NULL);
    if (!valid_var_name(name))
        add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, name_off, strlen(name),
                    "invalid variable name: '%s'", name);
    else if (assign_var(fc, name, value, off, len) == 0 && fc->expr_runtime)
        set_runtime(fc->ip, name, true); /* built from a run-time value */
    fc->expr_runtime = false;
    free(name);
    free(value);
}

static void exec_unset(file_ctx *fc, size_t off, size_t len)
{
    size_t name_off = off;
    char *name = scan_slash_option(fc->sc, OPT_NORMAL, NULL, false, &name_off);
    if (!name) {
        add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, off, len,
                    "\\unset: missing required argument");
        return;
    }
    if (!valid_var_name(name))
        add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, name_off, strlen(name),
                    "invalid variable name: '%s'", name);
    else
        assign_var(fc, name, NULL, off, len);
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

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

static void exec_include(file_ctx *fc, const char *cmd, bool relative, size_t off, size_t len)
{
    interp *ip = fc->ip;
    size_t arg_off = off;
    char *arg = scan_slash_option(fc->sc, OPT_NORMAL, NULL, true, &arg_off);
    if (!arg) {
        add_finding(fc, SEV_ERROR, RULE_INCLUDE_ERROR, off, len,
                    "\\%s: missing required argument", cmd);
        return;
    }
    size_t arg_len = strlen(arg);
    if (ip->opt->forbid_includes) {
        add_finding(fc, SEV_ERROR, RULE_INCLUDE_ERROR, arg_off, arg_len,
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
        char *dir = dir_of(fc->src->name);
        path = strcmp(dir, ".") == 0 ? xstrdup(arg) : xasprintf("%s/%s", dir, arg);
        free(dir);
    } else
        path = xstrdup(arg);

    char *real = realpath(path, NULL);
    if (!real) {
        add_finding(fc, SEV_ERROR, RULE_INCLUDE_ERROR, arg_off, arg_len,
                    "cannot read included file '%s': %s", path, strerror(errno));
        goto out;
    }
    if (!ip->opt->allow_outside_root && !ip->root) {
        /* fail closed: a root that does not resolve allows nothing */
        add_finding(fc, SEV_ERROR, RULE_INCLUDE_ERROR, arg_off, arg_len,
                    "cannot check included file '%s': the root folder '%s' does not exist",
                    path, ip->root_name ? ip->root_name : "(none)");
        goto out;
    }
    if (!ip->opt->allow_outside_root && !path_is_under(real, ip->root)) {
        add_finding(fc, SEV_ERROR, RULE_INCLUDE_ERROR, arg_off, arg_len,
                    "included file '%s' is outside the root folder '%s' "
                    "(--allow-include-outside-root allows it)",
                    path, ip->root_name);
        goto out;
    }
    for (size_t i = 0; i < ip->ninclude; i++) {
        if (strcmp(ip->include_stack[i]->real_path, real) == 0) {
            strbuf chain = {0};
            for (size_t j = i; j < ip->ninclude; j++)
                sb_addf(&chain, "%s -> ", ip->include_stack[j]->name);
            sb_adds(&chain, path);
            add_finding(fc, SEV_ERROR, RULE_INCLUDE_ERROR, arg_off, arg_len,
                        "include cycle: %s", chain.buf);
            sb_free(&chain);
            goto out;
        }
    }
    int max_depth = ip->opt->max_include_depth > 0 ? ip->opt->max_include_depth
                                                   : SCRIPT_MAX_INCLUDE_DEPTH;
    if (ip->ninclude > (size_t)max_depth) {
        add_finding(fc, SEV_ERROR, RULE_INCLUDE_ERROR, arg_off, arg_len,
                    "includes nested deeper than %d levels: '%s' not read", max_depth, path);
        goto out;
    }
    char *err = NULL;
    source *inc = source_load(path, &err);
    if (!inc) {
        add_finding(fc, SEV_ERROR, RULE_INCLUDE_ERROR, arg_off, arg_len, "%s", err);
        free(err);
        goto out;
    }
    script *out = ip->out;
    GROW(out->sources, out->capsources, out->nsources + 1);
    out->sources[out->nsources++] = inc;
    process_file(ip, inc);
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

/*
 * Runs one meta-command (name already read) whose backslash is at off. Returns
 * CMD_SEND when the query buffer must be sent (\g, \gset); *gset_prefix is then the
 * malloc'd \gset prefix or NULL.
 */
static cmd_status exec_command(file_ctx *fc, const char *cmd, size_t off, char **gset_prefix)
{
    size_t len = 1 + strlen(cmd);
    *gset_prefix = NULL;

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

    bool supported = strcmp(cmd, "set") == 0 || strcmp(cmd, "unset") == 0 ||
                     strcmp(cmd, "echo") == 0 || strcmp(cmd, "qecho") == 0 ||
                     strcmp(cmd, "i") == 0 || strcmp(cmd, "include") == 0 ||
                     strcmp(cmd, "ir") == 0 || strcmp(cmd, "include_relative") == 0 ||
                     strcmp(cmd, "g") == 0 || strcmp(cmd, "gset") == 0 ||
                     strcmp(cmd, "q") == 0 || strcmp(cmd, "quit") == 0;
    if (!active(fc)) {
        if (!supported)
            add_finding(fc, SEV_WARNING, RULE_UNSUPPORTED_META_COMMAND, off, len,
                        "unsupported meta-command \\%s (in an inactive \\if branch)", cmd);
        skip_command_args(fc, cmd);
        return CMD_SKIP;
    }

    if (strcmp(cmd, "set") == 0) {
        exec_set(fc, off, len);
    } else if (strcmp(cmd, "unset") == 0) {
        exec_unset(fc, off, len);
    } else if (strcmp(cmd, "echo") == 0 || strcmp(cmd, "qecho") == 0) {
        exec_echo(fc);
    } else if (strcmp(cmd, "i") == 0 || strcmp(cmd, "include") == 0) {
        exec_include(fc, cmd, false, off, len);
    } else if (strcmp(cmd, "ir") == 0 || strcmp(cmd, "include_relative") == 0) {
        exec_include(fc, cmd, true, off, len);
    } else if (strcmp(cmd, "g") == 0) {
        size_t aoff;
        char *target = scan_slash_option(fc->sc, OPT_FILEPIPE, NULL, false, &aoff);
        if (target) {
            add_finding(fc, SEV_ERROR, RULE_UNSUPPORTED_META_COMMAND, off, len,
                        "unsupported meta-command \\g with an output target ('%s')", target);
            free(target);
        }
        return CMD_SEND;
    } else if (strcmp(cmd, "q") == 0 || strcmp(cmd, "quit") == 0) {
        /* psql: ends this script (the pending statement is still sent) */
        fc->quit = true;
    } else if (strcmp(cmd, "gset") == 0) {
        char *prefix = scan_slash_option(fc->sc, OPT_NORMAL, NULL, false, NULL);
        *gset_prefix = prefix ? prefix : xstrdup("");
        return CMD_SEND;
    } else {
        add_finding(fc, SEV_ERROR, RULE_UNSUPPORTED_META_COMMAND, off, len,
                    "unsupported meta-command \\%s", cmd);
        skip_command_args(fc, cmd);
        if (strcmp(cmd, "r") == 0 || strcmp(cmd, "reset") == 0)
            qbuf_reset(&fc->qb);
        if (in_list(sending_cmds, ARRAY_SIZE(sending_cmds), cmd))
            return CMD_SEND;
    }
    return CMD_SKIP;
}

/*
 * Whether the query buffer ends with the line break psql would have added before
 * the line that starts at source offset at (only empty lines in between).
 */
static bool ends_with_line_break(const file_ctx *fc, size_t at)
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

static void handle_backslash(file_ctx *fc)
{
    size_t off = scan_stop_offset(fc->sc);
    query_buf *qb = &fc->qb;
    /*
     * psql adds a newline to the query buffer before each line; when a line holds
     * only a meta-command it takes that newline back out.
     */
    if (ends_with_line_break(fc, off))
        qbuf_truncate(qb, qb->text.len - 1);
    char *cmd = scan_slash_command(fc->sc);
    char *gset_prefix = NULL;
    /* run-time variables in a meta-command's arguments do not mark the statement */
    bool stmt_runtime = fc->stmt_runtime;
    cmd_status status = exec_command(fc, cmd, off, &gset_prefix);
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
        if (active(fc))
            add_finding(fc, SEV_WARNING, RULE_SCRIPT_ERROR, eoff, strlen(extra),
                        "\\%s: extra argument '%s' ignored", cmd, extra);
        free(extra);
    }
    scan_slash_command_end(fc->sc);

    if (status == CMD_SEND && active(fc)) {
        if (qb->text.len == 0)
            qbuf_copy(qb, &fc->prev);
        if (qb->text.len > 0)
            send_query(fc, gset_prefix ? END_GSET : END_G, gset_prefix);
        scan_reset(fc->sc);
    }
    free(gset_prefix);
    free(cmd);
}

/* ------------------------------------------------------------------ main loop */

static void process_file(interp *ip, source *src)
{
    file_ctx fc = {.ip = ip, .src = src};
    fc.sc = scan_create(src->text, src->len, &callbacks, &fc);
    scan_set_std_strings(fc.sc, ip->std_strings);
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
            if (active(&fc))
                send_query(&fc, END_SEMICOLON, NULL);
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
    if (ends_with_line_break(&fc, src->len))
        qbuf_truncate(&fc.qb, fc.qb.text.len - 1);
    if (fc.qb.text.len > 0 && active(&fc) && !ip->out->stopped)
        send_query(&fc, END_EOF, NULL);
    /* a runner that stopped the script ends every file early: not an error of its own */
    for (size_t i = fc.quit || ip->out->stopped ? 0 : fc.nconds; i-- > 0;)
        add_finding(&fc, SEV_ERROR, RULE_SCRIPT_ERROR, fc.conds[i].if_off, 3,
                    "\\if without \\endif: reached the end of '%s'", src->name);
    if (src->real_path)
        ip->ninclude--;
    scan_free(fc.sc);
    qbuf_free(&fc.qb);
    qbuf_free(&fc.prev);
    free(fc.conds);
}

/* ------------------------------------------------------------------ API */

script_options script_options_default(void)
{
    script_options o = {0};
    o.max_include_depth = SCRIPT_MAX_INCLUDE_DEPTH;
    return o;
}

int script_set_var(script_options *opt, const char *name, const char *value)
{
    if (!valid_var_name(name))
        return -1;
    put_var(&opt->vars, &opt->nvars, &opt->capvars, name, value);
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
    interp ip = {.out = s, .opt = opt, .std_strings = true};
    for (size_t i = 0; i < ARRAY_SIZE(default_vars); i++)
        put_var(&ip.vars, &ip.nvars, &ip.capvars, default_vars[i][0], default_vars[i][1]);
    /* run-time mode: the runner passes the connection's values in opt->vars */
    for (size_t i = 0; !opt->runner && i < ARRAY_SIZE(runtime_vars); i++)
        set_runtime(&ip, runtime_vars[i], true);
    for (size_t i = 0; i < opt->nvars; i++) {
        set_runtime(&ip, opt->vars[i].name, false);
        put_var(&ip.vars, &ip.nvars, &ip.capvars, opt->vars[i].name, opt->vars[i].value);
    }
    if (root) {
        ip.root = realpath(root, NULL);
        ip.root_name = xstrdup(root);
    }
    GROW(s->sources, s->capsources, 1);
    s->sources[s->nsources++] = src;
    process_file(&ip, src);

    for (size_t i = 0; i < ip.nvars; i++) {
        free(ip.vars[i].name);
        free(ip.vars[i].value);
    }
    free(ip.vars);
    for (size_t i = 0; i < ip.nruntime; i++)
        free(ip.runtime[i]);
    free(ip.runtime);
    free(ip.include_stack);
    free(ip.root);
    free(ip.root_name);
    return s;
}

script *script_read_file(const char *path, const script_options *opt)
{
    char *err = NULL;
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
    char *dir = dir_of(path);
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
        statement_free(&s->stmts[i]);
    free(s->stmts);
    for (size_t i = 0; i < s->nsources; i++)
        source_free(s->sources[i]);
    free(s->sources);
    finding_list_free(&s->findings);
    free(s);
}
