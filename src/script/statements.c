/*
 * statements.c: sending a statement, as psql's SendQuery: recorded with its origin
 * and parsed once (when it does not parse, the most precise reason: an unset
 * variable, another tool's placeholder, newer syntax, or a syntax error), its COPY
 * data taken, \gset's variables marked known only at run
 * time, standard_conforming_strings followed, then handed to the runner (run
 * time) or the sink (a stream); see script.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/version.h"
#include "parse/newer_syntax.h"
#include "parse/placeholders.h"
#include "pg_nodes.h"
#include "script/interp.h"

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

static const char *last_string(const cJSON *list)
{
    const cJSON *last = cJSON_GetArrayItem(list, cJSON_GetArraySize(list) - 1);
    const cJSON *sv = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(last, PGN_String), PGF_sval);
    return cJSON_IsString(sv) ? sv->valuestring : NULL;
}

static const char *field_str(const cJSON *f, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(f, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* An enum value's name after its prefix, lowercased into buf ("SVFOP_USER" -> "user";
   a trailing "_n", as in SVFOP_CURRENT_TIME_N, dropped). */
static const char *enum_word(const char *v, const char *prefix, char *buf, size_t size)
{
    size_t n = strlen(prefix);
    if (!v || strncmp(v, prefix, n) != 0)
        return NULL;
    size_t k = 0;
    for (const char *p = v + n; *p && k + 1 < size; p++)
        buf[k++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    buf[k] = 0;
    if (k > 2 && strcmp(buf + k - 2, "_n") == 0)
        buf[k - 2] = 0;
    return buf;
}

/*
 * The name PostgreSQL gives a result column without an alias, as its
 * FigureColnameInternal decides it: returns how sure the name is (2 strong, 1 weak,
 * 0 none: "?column?"), or -1 for an expression this does not model (a \gset then
 * may set any variable).
 */
static int figure_colname(const cJSON *node, const char **name, char *buf, size_t size,
                          int depth)
{
    const char *kind = sql_node_kind(node);
    const cJSON *f = sql_node_fields(node);
    if (!kind || depth > 32)
        return -1;
    if (strcmp(kind, PGN_ColumnRef) == 0) {
        const cJSON *fields = cJSON_GetObjectItemCaseSensitive(f, PGF_fields);
        return (*name = last_string(fields)) ? 2 : -1; /* "*": many columns */
    }
    if (strcmp(kind, PGN_A_Indirection) == 0) {
        const char *n = last_string(cJSON_GetObjectItemCaseSensitive(f, PGF_indirection));
        if (n) {
            *name = n;
            return 2;
        }
        const cJSON *ind = cJSON_GetObjectItemCaseSensitive(f, PGF_indirection);
        const cJSON *last = cJSON_GetArrayItem(ind, cJSON_GetArraySize(ind) - 1);
        if (sql_node_kind(last) && strcmp(sql_node_kind(last), PGN_A_Star) == 0)
            return -1;
        return figure_colname(cJSON_GetObjectItemCaseSensitive(f, PGF_arg), name, buf, size,
                              depth + 1);
    }
    if (strcmp(kind, PGN_FuncCall) == 0)
        return (*name = last_string(cJSON_GetObjectItemCaseSensitive(f, PGF_funcname))) ? 2
                                                                                        : -1;
    if (strcmp(kind, PGN_A_Expr) == 0) {
        if (strcmp(field_str(f, PGF_kind) ? field_str(f, PGF_kind) : "", "AEXPR_NULLIF") == 0) {
            *name = "nullif";
            return 2;
        }
        return 0;
    }
    if (strcmp(kind, PGN_TypeCast) == 0) {
        int strength = figure_colname(cJSON_GetObjectItemCaseSensitive(f, PGF_arg), name, buf,
                                      size, depth + 1);
        if (strength < 0)
            return -1;
        if (strength <= 1) {
            const cJSON *tn = cJSON_GetObjectItemCaseSensitive(f, PGF_typeName);
            const char *t = last_string(cJSON_GetObjectItemCaseSensitive(tn, PGF_names));
            if (!t)
                return -1;
            *name = t;
            return 1;
        }
        return strength;
    }
    if (strcmp(kind, PGN_CollateClause) == 0)
        return figure_colname(cJSON_GetObjectItemCaseSensitive(f, PGF_arg), name, buf, size,
                              depth + 1);
    if (strcmp(kind, PGN_SubLink) == 0) {
        const char *t = field_str(f, PGF_subLinkType);
        if (t && strcmp(t, "EXISTS_SUBLINK") == 0)
            return (*name = "exists"), 2;
        if (t && strcmp(t, "ARRAY_SUBLINK") == 0)
            return (*name = "array"), 2;
        if (t && strcmp(t, "EXPR_SUBLINK") == 0) {
            const cJSON *sel = sql_node_fields(cJSON_GetObjectItemCaseSensitive(f, PGF_subselect));
            const cJSON *tl = cJSON_GetObjectItemCaseSensitive(sel, PGF_targetList);
            const cJSON *rt = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(tl, 0),
                                                               PGN_ResTarget);
            if (!tl) /* a set operation or VALUES: not modelled */
                return -1;
            const char *n = field_str(rt, PGF_name);
            if (n) {
                *name = n;
                return 2;
            }
        }
        return 0;
    }
    static const struct { const char *kind, *word; int strength; } fixed[] = {
        {PGN_GroupingFunc, "grouping", 2}, {PGN_CaseExpr, "case", 1},
        {PGN_A_ArrayExpr, "array", 1},     {PGN_RowExpr, "row", 1},
        {PGN_CoalesceExpr, "coalesce", 2}, {PGN_XmlSerialize, "xmlserialize", 2},
    };
    for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
        if (strcmp(kind, fixed[i].kind) == 0)
            return (*name = fixed[i].word), fixed[i].strength;
    if (strcmp(kind, PGN_MinMaxExpr) == 0)
        return (*name = enum_word(field_str(f, PGF_op), "IS_", buf, size)) ? 2 : -1;
    if (strcmp(kind, PGN_SQLValueFunction) == 0)
        return (*name = enum_word(field_str(f, PGF_op), "SVFOP_", buf, size)) ? 2 : -1;
    if (strcmp(kind, PGN_XmlExpr) == 0) {
        const char *op = field_str(f, PGF_op);
        if (op && strcmp(op, "IS_DOCUMENT") == 0)
            return 0;
        return (*name = enum_word(op, "IS_", buf, size)) ? 2 : -1;
    }
    static const char *const unnamed[] = {PGN_A_Const, PGN_ParamRef, PGN_BoolExpr,
                                          PGN_NullTest, PGN_BooleanTest};
    for (size_t i = 0; i < ARRAY_SIZE(unnamed); i++)
        if (strcmp(kind, unnamed[i]) == 0)
            return 0;
    return -1;
}

/* The name a result column gets (in buf when computed), or NULL when pgward cannot
   say exactly which. */
static const char *column_name(const cJSON *res_target, char *buf, size_t size)
{
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(res_target, PGN_ResTarget);
    const char *alias = field_str(rt, PGF_name);
    if (alias)
        return alias;
    const char *name = NULL;
    int strength = figure_colname(cJSON_GetObjectItemCaseSensitive(rt, PGF_val), &name, buf,
                                  size, 0);
    if (strength < 0)
        return NULL;
    return strength == 0 ? "?column?" : name;
}

/* Marks the variables a \gset would set as known only at run time. */
static void note_gset_vars(file_ctx *fc, const statement *st)
{
    /* several results (\;) or columns pgward cannot name exactly: any variable
       with the prefix may be set */
    char *all = xasprintf("%s*", st->gset_prefix);
    if (st->parse.nstmts != 1) {
        interp_set_runtime(fc->ip, all, true);
        free(all);
        return;
    }
    const cJSON *fields = sql_node_fields(st->parse.stmts[0]);
    const cJSON *targets = cJSON_GetObjectItemCaseSensitive(fields, PGF_targetList);
    if (!targets)
        targets = cJSON_GetObjectItemCaseSensitive(fields, PGF_returningList);
    if (!targets) {
        /* FETCH, EXECUTE, ...: the columns are unknown, so is every such variable */
        interp_set_runtime(fc->ip, all, true);
        free(all);
        return;
    }
    const cJSON *t;
    cJSON_ArrayForEach(t, targets) {
        char buf[64];
        if (!column_name(t, buf, sizeof(buf))) {
            interp_set_runtime(fc->ip, all, true);
            free(all);
            return;
        }
    }
    cJSON_ArrayForEach(t, targets) {
        char buf[64];
        char *name = xasprintf("%s%s", st->gset_prefix, column_name(t, buf, sizeof(buf)));
        interp_set_runtime(fc->ip, name, true);
        free(name);
    }
    free(all);
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
        interp_add_finding(fc, SEV_WARNING, RULE_SCRIPT_ERROR, st->offset, 0,
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
            if (cJSON_IsString(sv) && interp_parse_bool(sv->valuestring, &b))
                on = b;
            else if (iv) {
                /* libpg_query leaves the ival of 0 out; PostgreSQL takes 0 and 1 only */
                const cJSON *n = cJSON_GetObjectItemCaseSensitive(iv, PGF_ival);
                double d = cJSON_IsNumber(n) ? n->valuedouble : 0;
                if (d != 0 && d != 1)
                    continue; /* refused by the server: nothing changes */
                on = d == 1;
            } else {
                continue; /* a value the server refuses: nothing changes */
            }
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
        } else if (interp_is_hooked_var(name)) {
            interp_add_finding(fc, SEV_WARNING, RULE_SCRIPT_ERROR, st->offset, st->length,
                        "attempt to \\gset into specially treated variable '%s' ignored",
                        name);
        } else if (!interp_valid_var_name(name)) {
            interp_add_finding(fc, SEV_ERROR, RULE_SCRIPT_ERROR, st->offset, st->length,
                        "\\gset: invalid variable name: '%s'", name);
            assign = false;
        } else {
            interp_assign_var(fc, name, vars[i].value, st->offset, st->length);
        }
        free(vars[i].name);
        free(vars[i].value);
    }
    free(vars);
    if (rc != 0)
        fc->ip->out->stopped = true;
}

/* Unset variables and placeholders reported per file; past this many, one finding
   says the rest are not listed (a hostile file can hold millions). */
#define MAX_TOLD 1000

/* Whether key is to be reported now: not reported in this file before, and the
   file is under MAX_TOLD. Notes it as reported. */
static bool tell_now(file_ctx *fc, const char *key, size_t off, size_t len)
{
    if (fc->ntold > MAX_TOLD || str_list_has(fc->told, fc->ntold, key))
        return false;
    str_set_put(&fc->told, &fc->ntold, &fc->captold, key, true);
    if (fc->ntold > MAX_TOLD) {
        interp_add_finding(fc, SEV_ERROR, RULE_UNSET_VARIABLE, off, len,
                           "more than %d unset variables and template placeholders in this "
                           "file; the rest are not listed",
                           MAX_TOLD);
        return false;
    }
    return true;
}

/* Whether unset reference u is still in st (its text was not dropped before it was
   sent: \r, an abandoned \if branch). */
static bool statement_holds(const statement *st, const unset_ref *u)
{
    size_t at = u->text_off, n = strlen(u->name);
    if (at >= st->text_len || st->text[at++] != ':')
        return false;
    char quote = u->quote == VARQ_LITERAL ? '\'' : u->quote == VARQ_IDENT ? '"' : 0;
    if (quote && (at >= st->text_len || st->text[at++] != quote))
        return false;
    return n <= st->text_len - at && memcmp(st->text + at, u->name, n) == 0;
}

/*
 * A statement that does not parse because psql left an unset :variable in it, or
 * because it holds another tool's template placeholder: one finding per variable
 * or placeholder per file, instead of a syntax error on text nobody wrote. Returns
 * whether the statement holds any (reported now or before).
 */
static bool report_unsubstituted(file_ctx *fc, const statement *st)
{
    bool any = false;
    for (size_t i = 0; i < fc->nunset; i++) {
        const unset_ref *u = &fc->unset[i];
        if (!statement_holds(st, u))
            continue;
        any = true;
        char *key = xasprintf("v:%s", u->name);
        if (tell_now(fc, key, u->off, u->len)) {
            /* as psql leaves it (the source may show another variable whose value
               holds this reference) */
            const char *ref = u->quote == VARQ_LITERAL ? ":'%s'"
                              : u->quote == VARQ_IDENT ? ":\"%s\""
                                                       : "':%s'";
            char *left = xasprintf(ref, u->name);
            interp_add_finding(fc, SEV_ERROR, RULE_UNSET_VARIABLE, u->off, u->len,
                               "variable '%s' is not set: psql leaves %s as it is; set it "
                               "with -v %s=VALUE",
                               u->name, left, u->name);
            free(left);
            finding_set_statement(&fc->ip->out->findings, st->text);
        }
        free(key);
    }
    sql_placeholder *ph;
    size_t nph = sql_find_placeholders(st->text, &ph);
    for (size_t i = 0; i < nph; i++) {
        any = true;
        char *key = xasprintf("p:%s", ph[i].text);
        size_t at = statement_source_offset(st, ph[i].off);
        if (tell_now(fc, key, at, ph[i].len)) {
            interp_add_finding(fc, SEV_ERROR, RULE_TEMPLATE_PLACEHOLDER, at, ph[i].len,
                               "template placeholder '%s' is not SQL: %s substitutes it before "
                               "the SQL runs, and pgward does not (-v sets psql variables "
                               "only); lint the script after substitution",
                               ph[i].text, ph[i].tool);
            finding_set_statement(&fc->ip->out->findings, st->text);
        }
        free(key);
    }
    sql_placeholders_free(ph, nph);
    return any;
}

/* Reports why st (which did not parse) does not: an unset variable or placeholder,
   syntax of a newer PostgreSQL, or else a syntax error. */
static void report_parse_error(file_ctx *fc, const statement *st)
{
    size_t at = st->parse.error_offset >= 0
                    ? statement_source_offset(st, (size_t)st->parse.error_offset)
                    : st->offset;
    if (report_unsubstituted(fc, st))
        return;
    size_t where;
    const newer_syntax *e =
        sql_newer_syntax(st->text, &st->parse, pgward_grammar_major(), &where);
    if (e) {
        if (st->parse.error_offset < 0)
            at = statement_source_offset(st, where);
        interp_add_finding(fc, SEV_WARNING, RULE_UNSUPPORTED_SYNTAX, at, 0,
                           "%s needs the PostgreSQL %d grammar; pgward was built with %d (%s)",
                           e->what, e->major, pgward_grammar_major(), st->parse.error);
    } else {
        /* libpg_query always parses with standard_conforming_strings on */
        interp_add_finding(fc, SEV_ERROR, RULE_SYNTAX_ERROR, at, 0, "%s%s", st->parse.error,
                           fc->ip->std_strings ? ""
                                               : " (pgward parses with "
                                                 "standard_conforming_strings on; this "
                                                 "script turned it off)");
    }
    finding_set_statement(&fc->ip->out->findings, st->text);
}

void interp_statement_free(statement *st)
{
    free(st->text);
    free(st->spans);
    free(st->gset_prefix);
    free(st->kind);
    free(st->resume_check);
    parsed_sql_free(&st->parse);
    memset(st, 0, sizeof(*st));
}

/* Sends the query buffer: records it as a statement (psql's SendQuery). */
void interp_send_query(file_ctx *fc, stmt_end end, const char *gset_prefix)
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
    if (ext_reading(fc))
        ext_bind_placeholders(fc, st);
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
    st->conditional = interp_in_unknown_branch(fc);
    st->uses_runtime_vars = fc->stmt_runtime;
    st->uses_result_vars = fc->stmt_result;
    st->parse = sql_parse(st->text);
    st->kind = sql_kind_string(&st->parse);
    if (st->parse.error)
        report_parse_error(fc, st);
    interp_forget_unset(fc);
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
            interp_statement_free(&out->stmts[--out->nstmts]);
    }

    qbuf_copy(&fc->prev, qb);
    qbuf_reset(qb);
    fc->stmt_runtime = false;
    fc->stmt_result = false;
}

