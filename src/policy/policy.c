/*
 * policy.c: building, validating and canonicalising policies; see policy.h.
 *
 * The grammar (grammar/policy_parse.y) calls the pb_* builder functions as it
 * parses; each checks what it can at once (patterns compile, classes exist, no
 * duplicates) and reports at the declaration's own location. Cross-references
 * (families named by isolate, bridge and grants; the default role) are checked
 * after the parse. The canonical text sorts everything that has no meaningful
 * order, so two policies that mean the same have the same digest.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "policy/policy.h"

#include <pcre2.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "policy/policy_build.h"
#include "bundle/approval.h"
#include "policy_parse.h"
#include "rule_ids.h"
#define YYSTYPE PGW_POLICY_YYSTYPE
#define YYLTYPE PGW_POLICY_YYLTYPE
#include "policy_scan.lex.h"



/* Rule ids a policy may configure: every rule in the registry (rule_ids.h). */
bool policy_rule_known(const char *id)
{
    return rule_lookup(id) < RULE_COUNT;
}

/* ------------------------------------------------------------------ lists */

name_list *name_list_new(char *first, policy_loc loc)
{
    name_list *l = xcalloc(1, sizeof(*l));
    return name_list_add(l, first, loc);
}

name_list *name_list_add(name_list *l, char *name, policy_loc loc)
{
    size_t cap = l->cap;
    GROW(l->names, l->cap, l->count + 1);
    GROW(l->locs, cap, l->count + 1);
    l->names[l->count] = name;
    l->locs[l->count] = loc;
    l->count++;
    return l;
}

void name_list_free(name_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++)
        free(l->names[i]);
    free(l->names);
    free(l->locs);
    free(l);
}

static void push_str(char ***arr, size_t *n, size_t *cap, char *s)
{
    GROW(*arr, *cap, *n + 1);
    (*arr)[(*n)++] = s;
}

static bool has_str(char *const *arr, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(arr[i], s) == 0)
            return true;
    return false;
}

/* ------------------------------------------------------------------ errors */

void policy_error(policy_builder *b, policy_loc at, const char *fmt, ...)
{
    if (b->error)
        return; /* the first error is the one to fix */
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    b->error = xasprintf("%s:%d:%d: %s", b->file, at.line, at.column, msg);
    free(msg);
}

/* ------------------------------------------------------------------ builder */

static bool compile_pattern(policy_builder *b, policy_pattern *out, char *pattern, policy_loc at)
{
    int code;
    PCRE2_SIZE erroff;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF,
                                   &code, &erroff, NULL);
    if (!re) {
        PCRE2_UCHAR buf[256];
        pcre2_get_error_message(code, buf, sizeof(buf));
        policy_error(b, at, "invalid pattern \"%s\": %s at offset %zu", pattern, (char *)buf,
                     (size_t)erroff);
        free(pattern);
        return false;
    }
    out->source = pattern;
    out->code = re;
    return true;
}

void pb_family_begin(policy_builder *b, char *name, policy_loc at)
{
    policy *p = b->p;
    if (policy_find_family(p, name))
        policy_error(b, at, "family '%s' is declared twice", name);
    GROW(p->families, p->capfamilies, p->nfamilies + 1);
    policy_family *f = &p->families[p->nfamilies++];
    memset(f, 0, sizeof(*f));
    f->name = name;
    f->line = at.line;
    f->column = at.column;
    b->family = f;
}

void pb_family_schemas(policy_builder *b, name_list *schemas)
{
    policy_family *f = b->family;
    for (size_t i = 0; i < schemas->count; i++) {
        if (has_str(f->schemas, f->nschemas, schemas->names[i])) {
            policy_error(b, schemas->locs[i], "schema '%s' is listed twice in family '%s'",
                         schemas->names[i], f->name);
            continue;
        }
        push_str(&f->schemas, &f->nschemas, &f->capschemas, schemas->names[i]);
        schemas->names[i] = NULL;
    }
    name_list_free(schemas);
}

void pb_family_pattern(policy_builder *b, char *pattern, policy_loc at)
{
    policy_family *f = b->family;
    policy_pattern pat;
    if (!compile_pattern(b, &pat, pattern, at))
        return;
    GROW(f->patterns, f->cappatterns, f->npatterns + 1);
    f->patterns[f->npatterns++] = pat;
}

/* Families may be declared after they are named: checked once the parse is done. */
static void refer_family(policy_builder *b, const char *name, policy_loc at, const char *where)
{
    size_t cap = b->capwhere;
    if (!b->family_refs)
        b->family_refs = xcalloc(1, sizeof(name_list));
    name_list_add(b->family_refs, xstrdup(name), at);
    GROW(b->ref_where, cap, b->family_refs->count);
    b->capwhere = cap;
    b->ref_where[b->family_refs->count - 1] = where;
}

static void check_family_refs(policy_builder *b)
{
    for (size_t i = 0; b->family_refs && i < b->family_refs->count; i++)
        if (!policy_find_family(b->p, b->family_refs->names[i]))
            policy_error(b, b->family_refs->locs[i], "unknown family '%s' in %s",
                         b->family_refs->names[i], b->ref_where[i]);
    name_list_free(b->family_refs);
    free(b->ref_where);
}

void pb_isolate(policy_builder *b, name_list *families)
{
    policy *p = b->p;
    for (size_t i = 0; i < families->count; i++) {
        const char *n = families->names[i];
        refer_family(b, n, families->locs[i], "isolate");
        if (!has_str(p->isolated, p->nisolated, n))
            push_str(&p->isolated, &p->nisolated, &p->capisolated, xstrdup(n));
    }
    size_t distinct = 0;
    for (size_t i = 0; i < families->count; i++) {
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(families->names[k], families->names[i]) == 0;
        distinct += !seen;
    }
    if (distinct < 2)
        policy_error(b, families->locs[0], "isolate needs at least two different families");
    name_list_free(families);
}

void pb_bridge(policy_builder *b, char *schema, policy_loc at, name_list *families)
{
    policy *p = b->p;
    for (size_t i = 0; i < p->nbridges; i++)
        if (strcmp(p->bridges[i].schema, schema) == 0)
            policy_error(b, at, "bridge schema '%s' is declared twice", schema);
    GROW(p->bridges, p->capbridges, p->nbridges + 1);
    policy_bridge *br = &p->bridges[p->nbridges++];
    memset(br, 0, sizeof(*br));
    br->schema = schema;
    for (size_t i = 0; i < families->count; i++) {
        refer_family(b, families->names[i], families->locs[i], "bridge");
        if (!has_str(br->families, br->nfamilies, families->names[i])) {
            push_str(&br->families, &br->nfamilies, &br->capfamilies, families->names[i]);
            families->names[i] = NULL;
        }
    }
    name_list_free(families);
}

/* Adds the names not there yet to a set of strings; takes the list. */
static void add_names(char ***set, size_t *n, size_t *cap, name_list *names)
{
    for (size_t i = 0; i < names->count; i++) {
        if (!has_str(*set, *n, names->names[i])) {
            push_str(set, n, cap, names->names[i]);
            names->names[i] = NULL;
        }
    }
    name_list_free(names);
}

void pb_protect(policy_builder *b, name_list *schemas)
{
    policy *p = b->p;
    add_names(&p->protected_schemas, &p->nprotected, &p->capprotected, schemas);
}

void pb_require_extensions(policy_builder *b, name_list *extensions)
{
    policy *p = b->p;
    add_names(&p->extensions, &p->nextensions, &p->capextensions, extensions);
}

void pb_sensitive(policy_builder *b, bool column, char *pattern, policy_loc at)
{
    policy *p = b->p;
    policy_pattern pat;
    if (!compile_pattern(b, &pat, pattern, at))
        return;
    if (column) {
        GROW(p->sensitive_columns, p->capsensitive_columns, p->nsensitive_columns + 1);
        p->sensitive_columns[p->nsensitive_columns++] = pat;
    } else {
        GROW(p->sensitive_tables, p->capsensitive_tables, p->nsensitive_tables + 1);
        p->sensitive_tables[p->nsensitive_tables++] = pat;
    }
}

void pb_role_begin(policy_builder *b, char *name, policy_loc at)
{
    policy *p = b->p;
    if (policy_find_role(p, name))
        policy_error(b, at, "role '%s' is declared twice", name);
    GROW(p->roles, p->caproles, p->nroles + 1);
    policy_role *r = &p->roles[p->nroles++];
    memset(r, 0, sizeof(*r));
    r->name = name;
    r->line = at.line;
    r->column = at.column;
    b->role = r;
}

void pb_role_restricted(policy_builder *b, bool restricted)
{
    b->role->restricted = restricted;
}

void pb_role_lifetime(policy_builder *b, char *duration, policy_loc at)
{
    char *end;
    long n = strtol(duration, &end, 10);
    long unit = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 : 86400;
    if (n <= 0 || n > 3650L * 86400 / unit)
        policy_error(b, at, "lifetime '%s' out of range (1s to 3650d)", duration);
    else
        b->role->lifetime_seconds = n * unit;
    free(duration);
}

void pb_role_grant(policy_builder *b, name_list *classes, grant_target kind, char *target,
                   policy_loc at)
{
    policy_role *r = b->role;
    unsigned bits = 0;
    for (size_t i = 0; i < classes->count; i++) {
        const char *c = classes->names[i];
        unsigned bit = 0;
        if (strcmp(c, "all") == 0)
            bit = CLASS_ALL;
        for (size_t k = 0; k < stmt_nclasses && !bit; k++)
            if (strcmp(stmt_class_names[k], c) == 0)
                bit = stmt_class_bits[k];
        if (!bit)
            policy_error(b, classes->locs[i],
                         "unknown statement class '%s' (expected select, insert, update, "
                         "delete, truncate, ddl, dcl, maintenance, call, copy or all)",
                         c);
        bits |= bit;
    }
    name_list_free(classes);
    if (kind == TARGET_FAMILY)
        refer_family(b, target, at, "grant");
    GROW(r->grants, r->capgrants, r->ngrants + 1);
    r->grants[r->ngrants++] = (policy_grant){.classes = bits, .target_kind = kind,
                                             .target = target};
}

void pb_role_functions(policy_builder *b, name_list *functions)
{
    policy_role *r = b->role;
    for (size_t i = 0; i < functions->count; i++) {
        if (!has_str(r->functions, r->nfunctions, functions->names[i])) {
            push_str(&r->functions, &r->nfunctions, &r->capfunctions, functions->names[i]);
            functions->names[i] = NULL;
        }
    }
    name_list_free(functions);
}

void pb_rule(policy_builder *b, char *id, policy_loc id_at, char *sev, policy_loc sev_at)
{
    policy *p = b->p;
    policy_rule r = {.id = rule_lookup(id)};
    if (r.id == RULE_COUNT)
        policy_error(b, id_at, "unknown rule '%s'", id);
    if (strcmp(sev, "error") == 0)
        r.sev = SEV_ERROR;
    else if (strcmp(sev, "warning") == 0)
        r.sev = SEV_WARNING;
    else if (strcmp(sev, "info") == 0)
        r.sev = SEV_INFO;
    else if (strcmp(sev, "off") == 0)
        r.off = true;
    else
        policy_error(b, sev_at, "unknown severity '%s' (expected error, warning, info or off)",
                     sev);
    free(sev);
    for (size_t i = 0; r.id < RULE_COUNT && i < p->nrules; i++) {
        if (p->rules[i].id == r.id) {
            policy_error(b, id_at, "rule '%s' is configured twice", id);
            free(id);
            return;
        }
    }
    free(id);
    if (r.id == RULE_COUNT)
        return;
    GROW(p->rules, p->caprules, p->nrules + 1);
    p->rules[p->nrules++] = r;
}

void pb_setting(policy_builder *b, char *name, policy_loc at, char *value)
{
    policy *p = b->p;
    for (size_t i = 0; i < p->nsettings; i++)
        if (strcmp(p->settings[i].name, name) == 0)
            policy_error(b, at, "setting '%s' is given twice", name);
    GROW(p->settings, p->capsettings, p->nsettings + 1);
    p->settings[p->nsettings++] = (policy_setting){.name = name, .value = value};
}

/* A duration token ("90s", "5m", "2h", "1d") in seconds, or 0 when out of range. */
static long duration_seconds(const char *duration, long max_seconds)
{
    char *end;
    long n = strtol(duration, &end, 10);
    long unit = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 : 86400;
    return n <= 0 || n > max_seconds / unit ? 0 : n * unit;
}

void pb_budget(policy_builder *b, char *kind, policy_loc kind_at, char *duration,
               policy_loc at)
{
    long *slot = strcmp(kind, "run") == 0         ? &b->p->budget_run_seconds
                 : strcmp(kind, "statement") == 0 ? &b->p->budget_statement_seconds
                 : strcmp(kind, "lock") == 0      ? &b->p->budget_lock_seconds
                                                  : NULL;
    long secs = duration_seconds(duration, 7L * 86400);
    if (!slot)
        policy_error(b, kind_at, "unknown budget '%s': expected run, statement or lock", kind);
    else if (*slot)
        policy_error(b, kind_at, "budget %s is given twice", kind);
    else if (!secs)
        policy_error(b, at, "budget '%s' out of range (1s to 7d)", duration);
    else
        *slot = secs;
    free(kind);
    free(duration);
}

/* The budgets, in the canonical form (so the digest covers them). */
static void canonical_budgets(strbuf *sb, const policy *p)
{
    const long secs[] = {p->budget_run_seconds, p->budget_statement_seconds,
                         p->budget_lock_seconds};
    const char *const kinds[] = {"run", "statement", "lock"};
    for (size_t i = 0; i < ARRAY_SIZE(secs); i++) {
        long s = secs[i];
        if (!s)
            continue;
        if (s % 86400 == 0)
            sb_addf(sb, "budget %s %ldd;\n", kinds[i], s / 86400);
        else if (s % 3600 == 0)
            sb_addf(sb, "budget %s %ldh;\n", kinds[i], s / 3600);
        else if (s % 60 == 0)
            sb_addf(sb, "budget %s %ldm;\n", kinds[i], s / 60);
        else
            sb_addf(sb, "budget %s %lds;\n", kinds[i], s);
    }
}

void pb_default_role(policy_builder *b, char *name, policy_loc at)
{
    if (b->p->default_role) {
        policy_error(b, at, "the default role is given twice");
        free(name);
        return;
    }
    b->p->default_role = name;
    b->default_role_loc = at;
}

void pb_approver(policy_builder *b, char *name, policy_loc at, char *key, policy_loc key_at,
                 bool human)
{
    policy *p = b->p;
    char text[APPROVAL_KEY_LEN + 1] = "";
    if (!approval_name_ok(name)) {
        policy_error(b, at, "invalid approver name '%s': use 1-64 letters, digits, '_', '.' "
                            "or '-', not starting with '.' or '-'",
                     name);
    } else if (approval_key_ok(key)) {
        memcpy(text, key, sizeof(text));
    } else if (b->no_files) {
        /* a bundle's bytes are read once; nothing else comes from the disk */
        policy_error(b, key_at, "approver '%s': not an inline Ed25519 public key (a bundle's "
                                "policy names no key files)",
                     name);
    } else {
        /* not an inline key: a PEM file, relative to the policy's folder */
        const char *slash = strrchr(b->file, '/');
        char *path = key[0] == '/' || !slash
                         ? xstrdup(key)
                         : xasprintf("%.*s/%s", (int)(slash - b->file), b->file, key);
        char *pem = NULL, *rerr = NULL;
        size_t len = 0;
        struct stat st;
        /* a regular file only: a FIFO would stall the policy's load */
        if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
            policy_error(b, key_at, "approver '%s': cannot read '%s': not a regular file", name,
                         path);
        } else if (read_whole_file(path, 4096, &pem, &len, &rerr) < 0) {
            policy_error(b, key_at, "approver '%s': \"%s\" is neither an inline Ed25519 public "
                                    "key nor a key file: %s",
                         name, key, rerr);
            free(rerr);
        } else if (approval_key_from_pem(pem, len, text) < 0) {
            policy_error(b, key_at, "approver '%s': '%s' is not an Ed25519 public key in PEM "
                                    "form",
                         name, path);
        }
        free(pem);
        free(path);
    }
    for (size_t i = 0; i < p->napprovers && !b->error; i++)
        if (strcmp(p->approvers[i].name, name) == 0)
            policy_error(b, at, "approver '%s' is declared twice", name);
        else if (strcmp(p->approvers[i].key, text) == 0)
            /* one key, two names: one person's approvals would count twice */
            policy_error(b, key_at, "approver '%s' has the key of approver '%s'", name,
                         p->approvers[i].name);
    if (!b->error) {
        GROW(p->approvers, p->capapprovers, p->napprovers + 1);
        policy_approver *a = &p->approvers[p->napprovers++];
        memset(a, 0, sizeof(*a));
        a->name = name;
        name = NULL;
        memcpy(a->key, text, sizeof(a->key));
        a->human = human;
        a->line = at.line;
        a->column = at.column;
    }
    free(name);
    free(key);
}

/* A count of approvals: 0-64 */
static int approval_count(policy_builder *b, const char *n, policy_loc at)
{
    if (strlen(n) > 2 || atoi(n) > 64) {
        policy_error(b, at, "approvals '%s': at most 64", n);
        return 0;
    }
    return atoi(n);
}

void pb_role_approvals(policy_builder *b, char *count, policy_loc at, char *human,
                       policy_loc human_at)
{
    policy_role *r = b->role;
    r->approvals = approval_count(b, count, at);
    r->approvals_human = human ? approval_count(b, human, human_at) : 0;
    if (!b->error && r->approvals_human > r->approvals)
        policy_error(b, human_at, "role '%s' needs %d approvals by a human of %d in all",
                     r->name, r->approvals_human, r->approvals);
    free(count);
    free(human);
}

/* Every role's approvals can be met by the approvers the policy names. */
static void check_approvals(policy_builder *b)
{
    const policy *p = b->p;
    int humans = 0;
    for (size_t i = 0; i < p->napprovers; i++)
        humans += p->approvers[i].human;
    for (size_t i = 0; i < p->nroles && !b->error; i++) {
        const policy_role *r = &p->roles[i];
        if (r->approvals > (int)p->napprovers || r->approvals_human > humans)
            policy_error(b, (policy_loc){r->line, r->column},
                         "role '%s' needs %d approval%s (%d by a human): the policy names %zu "
                         "approver%s (%d human)",
                         r->name, r->approvals, r->approvals == 1 ? "" : "s",
                         r->approvals_human, p->napprovers, p->napprovers == 1 ? "" : "s",
                         humans);
    }
}

void pb_exclude(policy_builder *b, char *glob, policy_loc at)
{
    policy *p = b->p;
    if (glob[0] == '\0') {
        policy_error(b, at, "empty exclude pattern");
        free(glob);
        return;
    }
    if (has_str(p->excludes, p->nexcludes, glob)) {
        policy_error(b, at, "exclude \"%s\" is given twice", glob);
        free(glob);
        return;
    }
    push_str(&p->excludes, &p->nexcludes, &p->capexcludes, glob);
}

/* ------------------------------------------------------------------ canonical form */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_strs(char **arr, size_t n)
{
    if (n > 1)
        qsort(arr, n, sizeof(char *), cmp_str);
}

/* A name as the grammar reads it back: bare when it is a plain identifier. */
static void add_word(strbuf *sb, const char *w)
{
    static const char *const keywords[] = {
        "allow",   "bridge",   "budget",       "column",  "default",   "exclude",   "extension",
        "family",  "function", "grant",        "isolate", "lifetime",  "on",
        "pattern", "protect",  "reads",        "require", "restricted", "role",
        "rule",    "schema",   "sensitive",    "set",     "table",     "unrestricted",
        "approver", "approvals", "key",        "human",
    };
    bool bare = (w[0] >= 'a' && w[0] <= 'z') || (w[0] >= 'A' && w[0] <= 'Z') || w[0] == '_';
    for (const char *c = w; *c && bare; c++)
        bare = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
               (*c >= '0' && *c <= '9') || *c == '_' || *c == '$' || *c == '-';
    for (size_t i = 0; i < ARRAY_SIZE(keywords) && bare; i++)
        bare = strcmp(keywords[i], w) != 0;
    /* a duration-shaped name is fine as an identifier only if it starts with a letter */
    if (bare) {
        sb_adds(sb, w);
        return;
    }
    sb_addc(sb, '"');
    for (const char *c = w; *c; c++) {
        if (*c == '"' || *c == '\\')
            sb_addc(sb, '\\');
        sb_addc(sb, *c);
    }
    sb_addc(sb, '"');
}

static void add_string(strbuf *sb, const char *s)
{
    sb_addc(sb, '"');
    for (const char *c = s; *c; c++) {
        if (*c == '"' || (*c == '\\' && (c[1] == '"' || c[1] == '\\' || c[1] == '\0')))
            sb_addc(sb, '\\');
        sb_addc(sb, *c);
    }
    sb_addc(sb, '"');
}

static void add_qualified(strbuf *sb, const char *q)
{
    const char *dot = strchr(q, '.');
    char *schema = xstrndup(q, (size_t)(dot - q));
    add_word(sb, schema);
    sb_addc(sb, '.');
    add_word(sb, dot + 1);
    free(schema);
}

static void add_words(strbuf *sb, char **w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_adds(sb, ", ");
        add_word(sb, w[i]);
    }
}

static int cmp_family(const void *a, const void *b)
{
    return strcmp(((const policy_family *)a)->name, ((const policy_family *)b)->name);
}
static int cmp_role(const void *a, const void *b)
{
    return strcmp(((const policy_role *)a)->name, ((const policy_role *)b)->name);
}
static int cmp_bridge(const void *a, const void *b)
{
    return strcmp(((const policy_bridge *)a)->schema, ((const policy_bridge *)b)->schema);
}
static int cmp_rule(const void *a, const void *b)
{
    return strcmp(rule_name(((const policy_rule *)a)->id), rule_name(((const policy_rule *)b)->id));
}
static int cmp_approver(const void *a, const void *b)
{
    return strcmp(((const policy_approver *)a)->name, ((const policy_approver *)b)->name);
}
static int cmp_setting(const void *a, const void *b)
{
    return strcmp(((const policy_setting *)a)->name, ((const policy_setting *)b)->name);
}
static int cmp_grant(const void *a, const void *b)
{
    const policy_grant *x = a, *y = b;
    if (x->target_kind != y->target_kind)
        return (int)x->target_kind - (int)y->target_kind;
    return strcmp(x->target, y->target);
}

/* Merges grants on the same target, so "grant select" + "grant insert" = one line. */
static void merge_grants(policy_role *r)
{
    if (r->ngrants > 1)
        qsort(r->grants, r->ngrants, sizeof(policy_grant), cmp_grant);
    size_t out = 0;
    for (size_t i = 0; i < r->ngrants; i++) {
        if (out > 0 && cmp_grant(&r->grants[out - 1], &r->grants[i]) == 0) {
            r->grants[out - 1].classes |= r->grants[i].classes;
            free(r->grants[i].target);
        } else {
            r->grants[out++] = r->grants[i];
        }
    }
    r->ngrants = out;
}

static char *canonical_text(policy *p)
{
    strbuf sb = {0};
    sb_adds(&sb, "# pgward policy (canonical form)\n");
    if (p->nsettings > 1)
        qsort(p->settings, p->nsettings, sizeof(policy_setting), cmp_setting);
    for (size_t i = 0; i < p->nsettings; i++) {
        sb_adds(&sb, "set ");
        add_word(&sb, p->settings[i].name);
        sb_adds(&sb, " = ");
        add_string(&sb, p->settings[i].value);
        sb_adds(&sb, ";\n");
    }
    if (p->nfamilies > 1)
        qsort(p->families, p->nfamilies, sizeof(policy_family), cmp_family);
    for (size_t i = 0; i < p->nfamilies; i++) {
        policy_family *f = &p->families[i];
        sb_adds(&sb, "family ");
        add_word(&sb, f->name);
        sb_adds(&sb, " {\n");
        sort_strs(f->schemas, f->nschemas);
        if (f->nschemas) {
            sb_adds(&sb, "    schema ");
            add_words(&sb, f->schemas, f->nschemas);
            sb_adds(&sb, ";\n");
        }
        for (size_t k = 0; k < f->npatterns; k++) {
            sb_adds(&sb, "    pattern ");
            add_string(&sb, f->patterns[k].source);
            sb_adds(&sb, ";\n");
        }
        sb_adds(&sb, "}\n");
    }
    sort_strs(p->isolated, p->nisolated);
    if (p->nisolated) {
        sb_adds(&sb, "isolate ");
        add_words(&sb, p->isolated, p->nisolated);
        sb_adds(&sb, ";\n");
    }
    if (p->nbridges > 1)
        qsort(p->bridges, p->nbridges, sizeof(policy_bridge), cmp_bridge);
    for (size_t i = 0; i < p->nbridges; i++) {
        sort_strs(p->bridges[i].families, p->bridges[i].nfamilies);
        sb_adds(&sb, "bridge schema ");
        add_word(&sb, p->bridges[i].schema);
        sb_adds(&sb, " reads ");
        add_words(&sb, p->bridges[i].families, p->bridges[i].nfamilies);
        sb_adds(&sb, ";\n");
    }
    sort_strs(p->protected_schemas, p->nprotected);
    if (p->nprotected) {
        sb_adds(&sb, "protect schema ");
        add_words(&sb, p->protected_schemas, p->nprotected);
        sb_adds(&sb, ";\n");
    }
    sort_strs(p->extensions, p->nextensions);
    if (p->nextensions) {
        sb_adds(&sb, "require extension ");
        add_words(&sb, p->extensions, p->nextensions);
        sb_adds(&sb, ";\n");
    }
    for (size_t i = 0; i < p->nsensitive_tables; i++) {
        sb_adds(&sb, "sensitive table pattern ");
        add_string(&sb, p->sensitive_tables[i].source);
        sb_adds(&sb, ";\n");
    }
    for (size_t i = 0; i < p->nsensitive_columns; i++) {
        sb_adds(&sb, "sensitive column pattern ");
        add_string(&sb, p->sensitive_columns[i].source);
        sb_adds(&sb, ";\n");
    }
    if (p->nroles > 1)
        qsort(p->roles, p->nroles, sizeof(policy_role), cmp_role);
    for (size_t i = 0; i < p->nroles; i++) {
        policy_role *r = &p->roles[i];
        sb_adds(&sb, "role ");
        add_word(&sb, r->name);
        sb_adds(&sb, " {\n");
        sb_adds(&sb, r->restricted ? "    restricted;\n" : "    unrestricted;\n");
        if (r->lifetime_seconds) {
            long s = r->lifetime_seconds;
            if (s % 86400 == 0)
                sb_addf(&sb, "    lifetime %ldd;\n", s / 86400);
            else if (s % 3600 == 0)
                sb_addf(&sb, "    lifetime %ldh;\n", s / 3600);
            else if (s % 60 == 0)
                sb_addf(&sb, "    lifetime %ldm;\n", s / 60);
            else
                sb_addf(&sb, "    lifetime %lds;\n", s);
        }
        merge_grants(r);
        for (size_t g = 0; g < r->ngrants; g++) {
            const policy_grant *gr = &r->grants[g];
            sb_adds(&sb, "    grant ");
            if (gr->classes == CLASS_ALL) {
                sb_adds(&sb, "all");
            } else {
                bool first = true;
                for (size_t k = 0; k < stmt_nclasses; k++) {
                    if (!(gr->classes & stmt_class_bits[k]))
                        continue;
                    sb_adds(&sb, first ? "" : ", ");
                    sb_adds(&sb, stmt_class_names[k]);
                    first = false;
                }
            }
            sb_adds(&sb, gr->target_kind == TARGET_FAMILY   ? " on family "
                         : gr->target_kind == TARGET_SCHEMA ? " on schema "
                                                            : " on table ");
            if (gr->target_kind == TARGET_TABLE)
                add_qualified(&sb, gr->target);
            else
                add_word(&sb, gr->target);
            sb_adds(&sb, ";\n");
        }
        if (r->approvals_human)
            sb_addf(&sb, "    approvals %d human %d;\n", r->approvals, r->approvals_human);
        else if (r->approvals)
            sb_addf(&sb, "    approvals %d;\n", r->approvals);
        sort_strs(r->functions, r->nfunctions);
        if (r->nfunctions) {
            sb_adds(&sb, "    allow function ");
            for (size_t k = 0; k < r->nfunctions; k++) {
                if (k)
                    sb_adds(&sb, ", ");
                add_qualified(&sb, r->functions[k]);
            }
            sb_adds(&sb, ";\n");
        }
        sb_adds(&sb, "}\n");
    }
    if (p->default_role) {
        sb_adds(&sb, "default role ");
        add_word(&sb, p->default_role);
        sb_adds(&sb, ";\n");
    }
    if (p->nrules > 1)
        qsort(p->rules, p->nrules, sizeof(policy_rule), cmp_rule);
    for (size_t i = 0; i < p->nrules; i++) {
        sb_adds(&sb, "rule ");
        sb_adds(&sb, rule_name(p->rules[i].id));
        sb_addf(&sb, " %s;\n", p->rules[i].off ? "off" : severity_name(p->rules[i].sev));
    }
    if (p->napprovers > 1)
        qsort(p->approvers, p->napprovers, sizeof(policy_approver), cmp_approver);
    for (size_t i = 0; i < p->napprovers; i++) {
        sb_adds(&sb, "approver ");
        add_word(&sb, p->approvers[i].name);
        sb_addf(&sb, " key \"%s\"%s;\n", p->approvers[i].key,
                p->approvers[i].human ? " human" : "");
    }
    sort_strs(p->excludes, p->nexcludes);
    for (size_t i = 0; i < p->nexcludes; i++) {
        sb_adds(&sb, "exclude ");
        add_string(&sb, p->excludes[i]);
        sb_adds(&sb, ";\n");
    }
    canonical_budgets(&sb, p);
    return sb_detach(&sb, NULL);
}

/* ------------------------------------------------------------------ load */

static policy *parse(const char *name, const char *text, size_t len, bool no_files,
                     char **err)
{
    policy *p = xcalloc(1, sizeof(*p));
    p->name = xstrdup(name);
    policy_builder b = {.p = p, .file = name, .no_files = no_files};
    if (memchr(text, '\0', len)) {
        policy_error(&b, (policy_loc){1, 1}, "policy contains a NUL byte");
    } else {
        yyscan_t scanner;
        if (pgw_policy_yylex_init_extra(&b, &scanner) != 0) {
            fputs("pgward: cannot create policy scanner\n", stderr);
            abort();
        }
        YY_BUFFER_STATE buf = pgw_policy_yy_scan_bytes(text, (int)len, scanner);
        pgw_policy_yyparse(scanner, &b);
        pgw_policy_yy_delete_buffer(buf, scanner);
        pgw_policy_yylex_destroy(scanner);
    }
    check_family_refs(&b);
    if (!b.error)
        check_approvals(&b);
    if (!b.error && p->default_role && !policy_find_role(p, p->default_role))
        policy_error(&b, b.default_role_loc, "default role '%s' is not declared",
                     p->default_role);
    if (!b.error && p->nroles == 0)
        policy_error(&b, (policy_loc){1, 1}, "the policy declares no role");
    if (b.error) {
        *err = b.error;
        policy_free(p);
        return NULL;
    }
    p->canonical = canonical_text(p);
    sha256_hex_of(p->canonical, strlen(p->canonical), p->digest);
    return p;
}

policy *policy_parse(const char *name, const char *text, size_t len, char **err)
{
    return parse(name, text, len, false, err);
}

policy *policy_parse_bundled(const char *name, const char *text, size_t len, char **err)
{
    return parse(name, text, len, true, err);
}

policy *policy_load(const char *path, char **err)
{
    char *text, *rerr = NULL;
    size_t len;
    if (read_whole_file(path, (size_t)16 << 20, &text, &len, &rerr) < 0) {
        *err = rerr; /* "cannot read 'x': ..." has no line to point at */
        return NULL;
    }
    policy *p = policy_parse(path, text, len, err);
    free(text);
    return p;
}

static void free_patterns(policy_pattern *pats, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(pats[i].source);
        pcre2_code_free((pcre2_code *)pats[i].code);
    }
    free(pats);
}

static void free_strs(char **arr, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(arr[i]);
    free(arr);
}

void policy_free(policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nfamilies; i++) {
        free(p->families[i].name);
        free_strs(p->families[i].schemas, p->families[i].nschemas);
        free_patterns(p->families[i].patterns, p->families[i].npatterns);
    }
    free(p->families);
    free_strs(p->isolated, p->nisolated);
    for (size_t i = 0; i < p->nbridges; i++) {
        free(p->bridges[i].schema);
        free_strs(p->bridges[i].families, p->bridges[i].nfamilies);
    }
    free(p->bridges);
    free_strs(p->protected_schemas, p->nprotected);
    free_strs(p->extensions, p->nextensions);
    free_patterns(p->sensitive_tables, p->nsensitive_tables);
    free_patterns(p->sensitive_columns, p->nsensitive_columns);
    for (size_t i = 0; i < p->nroles; i++) {
        policy_role *r = &p->roles[i];
        free(r->name);
        for (size_t g = 0; g < r->ngrants; g++)
            free(r->grants[g].target);
        free(r->grants);
        free_strs(r->functions, r->nfunctions);
    }
    free(p->roles);
    free(p->rules);
    for (size_t i = 0; i < p->nsettings; i++) {
        free(p->settings[i].name);
        free(p->settings[i].value);
    }
    free(p->settings);
    free(p->default_role);
    free_strs(p->excludes, p->nexcludes);
    for (size_t i = 0; i < p->napprovers; i++)
        free(p->approvers[i].name);
    free(p->approvers);
    free(p->canonical);
    free(p->name);
    free(p);
}

const policy_role *policy_find_role(const policy *p, const char *name)
{
    for (size_t i = 0; i < p->nroles; i++)
        if (strcmp(p->roles[i].name, name) == 0)
            return &p->roles[i];
    return NULL;
}

const policy_family *policy_find_family(const policy *p, const char *name)
{
    for (size_t i = 0; i < p->nfamilies; i++)
        if (strcmp(p->families[i].name, name) == 0)
            return &p->families[i];
    return NULL;
}

bool policy_patterns_match(const policy_pattern *pats, size_t n, const char *subject)
{
    for (size_t i = 0; i < n; i++) {
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(pats[i].code, NULL);
        int rc = pcre2_match(pats[i].code, (PCRE2_SPTR)subject, PCRE2_ZERO_TERMINATED, 0, 0,
                             md, NULL);
        pcre2_match_data_free(md);
        if (rc >= 0)
            return true;
    }
    return false;
}

const policy_family *policy_family_of(const policy *p, const char *schema)
{
    for (size_t i = 0; i < p->nfamilies; i++) {
        const policy_family *f = &p->families[i];
        for (size_t k = 0; k < f->nschemas; k++)
            if (strcmp(f->schemas[k], schema) == 0)
                return f;
        if (policy_patterns_match(f->patterns, f->npatterns, schema))
            return f;
    }
    return NULL;
}
