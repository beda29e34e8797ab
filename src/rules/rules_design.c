/*
 * rules_design.c: migration safety about what a script defines and how it can be
 * re-run (the rules are defined by their docs, rules/<id>.md). Parse trees are libpg_query's JSON, node and field
 * names from pg_nodes.h.
 *
 *   prefer-bigint                int2/int4 (smallint, integer, serial, smallserial)
 *                                key columns (one-column primary key, foreign key,
 *                                identity, a sequence's default, serial) of CREATE
 *                                [FOREIGN] TABLE and ADD COLUMN
 *   prefer-identity              serial, bigserial, smallserial columns
 *   prefer-text                  varchar(n) columns (varchar without a length is fine)
 *   prefer-timestamptz           timestamp [without time zone] columns
 *   ban-char-type                char, char(n), character(n), bpchar columns
 *   identifier-too-long          a name the statement defines written with more than
 *                                63 bytes (PostgreSQL truncates it at the scanner, so
 *                                the tree only holds the first 63: the statement text
 *                                is scanned for the identifier as written)
 *   enum-value-without-position  ALTER TYPE ... ADD VALUE without BEFORE or AFTER
 *   duplicate-column-assignment  UPDATE SET, INSERT (cols), ON CONFLICT DO UPDATE,
 *                                MERGE: one column twice (subfields and elements
 *                                of one column may be assigned separately)
 *   require-schema (opt-in)      CREATE TABLE, ALTER TABLE, INSERT, UPDATE, DELETE,
 *                                MERGE on a relation without its schema (not
 *                                temporary tables)
 *   not-idempotent               CREATE TABLE/INDEX/SCHEMA/SEQUENCE/EXTENSION or
 *                                CREATE TABLE AS without IF NOT EXISTS, SELECT INTO,
 *                                an unnamed index, CREATE VIEW/FUNCTION/PROCEDURE
 *                                without OR REPLACE, DROP without IF EXISTS, ADD
 *                                COLUMN without IF NOT EXISTS, DROP COLUMN or DROP
 *                                CONSTRAINT without IF EXISTS
 *   nested-transaction           BEGIN/START TRANSACTION while one is open
 *   unterminated-transaction     BEGIN not committed or rolled back by the end
 *   update-without-where,        UPDATE/DELETE without WHERE (data-modifying CTEs
 *   delete-without-where         included; rule actions and function bodies not)
 *
 * --pg-version (0: the grammar's major): prefer-identity needs identity columns, PostgreSQL 10 and later.
 * CREATE SCHEMA ... CREATE TABLE elements get the column-type rules, and count as
 * tables of that schema created by the script.
 *
 * Context: the rules about existing objects (require-schema, the *-without-where
 * rules, enum-value-without-position) stay silent for relations and enum types the
 * script created earlier. A name matches when both are qualified and equal, or, when
 * either is unqualified, by the bare name. The column-type rules and not-idempotent
 * fire regardless: they are about what the script defines and about running it again.
 */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "rules/checks.h"

#define NAME_MAX_BYTES 63 /* NAMEDATALEN - 1 */

/* ------------------------------------------------------------------ context */

/* Relations the rules about existing objects stay silent on once the script made them. */
#define CREATED_RELATIONS                                                              \
    (1u << OBJ_TABLE | 1u << OBJ_FOREIGN_TABLE | 1u << OBJ_VIEW | 1u << OBJ_MATVIEW)

typedef struct design_state {
    finding_list unterminated; /* the open block's BEGIN, reported if it stays open */
} design_state;

static bool created_relation(const lint_ctx *c, const cJSON *rv)
{
    return session_created(c->sess, CREATED_RELATIONS, rangevar_qname(rv));
}

/* "schema.name" or "name" of a RangeVar, malloc'd. */
static char *rv_display(const cJSON *rv)
{
    return qname_text(rangevar_qname(rv));
}

/* The major version the script targets (--pg-version; 0 means the grammar's). */
static int pg_version(const lint_ctx *c)
{
    return c->cfg && c->cfg->pg_version > 0 ? c->cfg->pg_version : PGWARD_GRAMMAR_MAJOR;
}

/* ------------------------------------------------------------------ column types */

/*
 * The built-in type a TypeName names (its last name, when unqualified or qualified
 * with pg_catalog), or NULL for any other type.
 */
static const char *builtin_type(const cJSON *tn)
{
    const cJSON *names = field(tn, PGF_names);
    int n = cJSON_GetArraySize(names);
    if (n == 2 && str_is(list_str(names, 0), "pg_catalog"))
        return list_str(names, 1);
    return n == 1 ? list_str(names, 0) : NULL;
}

static bool name_in(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

/* How a type is written in messages (the parser's names for the SQL spellings). */
static const char *type_display(const char *t)
{
    static const char *const map[][2] = {
        {"int2", "smallint"}, {"int4", "integer"}, {"bpchar", "char"},
        {"timestamp", "timestamp without time zone"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(map); i++)
        if (strcmp(map[i][0], t) == 0)
            return map[i][1];
    return t;
}

/* The first type modifier when it is an integer constant, else -1. */
static long first_typmod(const cJSON *tn)
{
    const cJSON *c = field(cJSON_GetArrayItem(field(tn, PGF_typmods), 0), PGN_A_Const);
    const cJSON *v = field(field(c, PGF_ival), PGF_ival);
    return cJSON_IsNumber(v) ? (long)v->valuedouble : (c ? 0 : -1);
}

/* The column-type rules for column col (its name) of type tn; key: the column is a
   key (prefer-bigint is about keys only). */
static void check_column_type(lint_ctx *c, const char *col, const cJSON *tn, long at, bool key)
{
    static const char *const ints[] = {"int2", "int4", "serial", "serial4", "smallserial",
                                       "serial2"};
    static const char *const serials[] = {"serial", "serial4", "smallserial", "serial2",
                                          "bigserial", "serial8"};
    const char *t = builtin_type(tn);
    if (!t || !col)
        return;
    long loc = location_of(tn) >= 0 ? location_of(tn) : at;
    bool array = cJSON_GetArraySize(field(tn, PGF_arrayBounds)) > 0;
    const char *shown = type_display(t);
    bool serial = name_in(t, serials, ARRAY_SIZE(serials));
    if (name_in(t, ints, ARRAY_SIZE(ints)) && !array && (key || serial))
        lint_report(c, RULE_PREFER_BIGINT, loc,
                    "%scolumn \"%s\" is %s, which runs out at %s; use bigint",
                    serial ? "" : "key ", col, shown,
                    t[strlen(t) - 1] == '2' || strcmp(t, "smallserial") == 0 ? "32767"
                                                                             : "2147483647");
    if (serial && pg_version(c) >= 10) /* identity: 10 */
        lint_report(c, RULE_PREFER_IDENTITY, loc,
               "column \"%s\" is %s; use bigint GENERATED ALWAYS AS IDENTITY", col, t);
    if (strcmp(t, "varchar") == 0 && field(tn, PGF_typmods))
        lint_report(c, RULE_PREFER_TEXT, loc,
               "column \"%s\" is varchar(%ld); use text with a CHECK on its length", col,
               first_typmod(tn));
    if (strcmp(t, "timestamp") == 0)
        lint_report(c, RULE_PREFER_TIMESTAMPTZ, loc,
               "column \"%s\" is timestamp without time zone; use timestamptz", col);
    if (strcmp(t, "bpchar") == 0) {
        long n = first_typmod(tn);
        if (n > 0)
            lint_report(c, RULE_BAN_CHAR_TYPE, loc, "column \"%s\" is char(%ld); use text", col, n);
        else
            lint_report(c, RULE_BAN_CHAR_TYPE, loc, "column \"%s\" is char; use text", col);
    }
}

/*
 * Whether column def cd is a key: a PRIMARY KEY of one column or a FOREIGN KEY (by
 * its own constraint, or pk, fk: a table constraint names it), or one a sequence
 * generates (identity, DEFAULT nextval(...); serial is reported either way). The
 * parts of a composite primary key (shard numbers, kinds, tenant ids) are not keys
 * that grow with the rows.
 */
static bool column_is_key(const cJSON *cd, bool pk, bool fk)
{
    bool generated = false;
    const char *identity = str_field(cd, PGF_identity);
    generated |= identity && *identity;
    const cJSON *it;
    cJSON_ArrayForEach(it, field(cd, PGF_constraints)) {
        const cJSON *con = field(it, PGN_Constraint);
        const char *t = str_field(con, PGF_contype);
        fk |= str_is(t, "CONSTR_FOREIGN");
        pk |= str_is(t, "CONSTR_PRIMARY");
        generated |= str_is(t, "CONSTR_IDENTITY");
        if (str_is(t, "CONSTR_DEFAULT")) {
            const cJSON *fc = field(field(con, PGF_raw_expr), PGN_FuncCall);
            const cJSON *fn = field(fc, PGF_funcname);
            const char *name = string_node(cJSON_GetArrayItem(fn, cJSON_GetArraySize(fn) - 1));
            generated |= name && strcmp(name, "nextval") == 0;
        }
    }
    return pk || fk || generated;
}

/* pk, fk: a table-level constraint makes the column a key (table_key_names). */
static void check_column_def(lint_ctx *c, const cJSON *cd, const char *name, bool pk, bool fk)
{
    bool key = !name && column_is_key(cd, pk, fk); /* ALTER COLUMN TYPE: unknown */
    check_column_type(c, name ? name : str_field(cd, PGF_colname), field(cd, PGF_typeName),
                      location_of(cd), key);
}

/*
 * Whether a table-level constraint of type contype among elts names column col: a
 * FOREIGN KEY, or a PRIMARY KEY of that one column (a composite key's parts are
 * partitions, kinds and references, which do not grow with the rows).
 */
static bool table_key_names(const cJSON *elts, const char *contype, const char *col)
{
    const cJSON *e, *k;
    bool primary = strcmp(contype, "CONSTR_PRIMARY") == 0;
    cJSON_ArrayForEach(e, elts) {
        const cJSON *con = field(e, PGN_Constraint);
        if (!str_is(str_field(con, PGF_contype), contype))
            continue;
        const cJSON *cols = field(con, primary ? PGF_keys : PGF_fk_attrs);
        if (primary && cJSON_GetArraySize(cols) != 1)
            continue;
        cJSON_ArrayForEach(k, cols)
            if (col && str_is(string_node(k), col))
                return true;
    }
    return false;
}

static void check_table_elts(lint_ctx *c, const cJSON *elts)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, elts) {
        const cJSON *cd = field(e, PGN_ColumnDef);
        const char *col = cd ? str_field(cd, PGF_colname) : NULL;
        if (cd)
            check_column_def(c, cd, NULL, table_key_names(elts, "CONSTR_PRIMARY", col),
                             table_key_names(elts, "CONSTR_FOREIGN", col));
    }
}

/* ------------------------------------------------------------------ identifiers */

typedef struct strset {
    char **items;
    size_t n, cap;
} strset;

static void strset_add(strset *set, const char *s)
{
    if (!s)
        return;
    GROW(set->items, set->cap, set->n + 1);
    set->items[set->n++] = xstrdup(s);
}

static bool strset_has(const strset *set, const char *s)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->items[i], s) == 0)
            return true;
    return false;
}

static void strset_free(strset *set)
{
    for (size_t i = 0; i < set->n; i++)
        free(set->items[i]);
    free(set->items);
    *set = (strset){0};
}

static bool ident_start(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || ch >= 0x80;
}

static bool ident_cont(unsigned char ch)
{
    return ident_start(ch) || (ch >= '0' && ch <= '9') || ch == '$';
}

/* The end of a '...' literal starting at i (after the quote); backslashes escape in E''. */
static size_t skip_string(const char *t, size_t n, size_t i, bool escapes)
{
    while (i < n) {
        if (escapes && t[i] == '\\' && i + 1 < n) {
            i += 2;
        } else if (t[i] == '\'') {
            if (i + 1 < n && t[i + 1] == '\'')
                i += 2;
            else
                return i + 1;
        } else {
            i++;
        }
    }
    return n;
}

/* The length of a $tag$ delimiter at i, or 0 when there is none. */
static size_t dollar_tag(const char *t, size_t n, size_t i)
{
    size_t j = i + 1;
    if (j < n && ident_start((unsigned char)t[j]))
        while (j < n && ident_cont((unsigned char)t[j]) && t[j] != '$')
            j++;
    return j < n && t[j] == '$' ? j + 1 - i : 0;
}

/*
 * PostgreSQL's truncate_identifier(): at most 63 bytes, cut at a character
 * boundary (UTF-8).
 */
static size_t clip_len(const char *s, size_t len)
{
    if (len <= NAME_MAX_BYTES)
        return len;
    size_t n = NAME_MAX_BYTES;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* One identifier as written: reports it when it is too long and the statement defines it. */
static void check_identifier(lint_ctx *c, const strset *defined, strset *done, char *name,
                             size_t len, size_t at)
{
    if (len <= NAME_MAX_BYTES)
        return;
    size_t cut = clip_len(name, len);
    char saved = name[cut];
    name[cut] = '\0';
    bool hit = strset_has(defined, name) && !strset_has(done, name);
    char *truncated = xstrdup(name);
    name[cut] = saved;
    if (hit) {
        strset_add(done, truncated);
        lint_report(c, RULE_IDENTIFIER_TOO_LONG, (long)at,
               "identifier \"%s\" is %zu bytes; PostgreSQL silently truncates it to \"%s\"", name,
               len, truncated);
    }
    free(truncated);
}

/*
 * Scans the statement text the way PostgreSQL's lexer finds identifiers (skipping
 * comments, string literals and dollar quotes), and checks each one.
 */
static void check_long_identifiers(lint_ctx *c)
{
    const statement *st = c->st;
    strset defined = {0}, done = {0};
    for (size_t k = 0; k < c->f->ndefined; k++)
        strset_add(&defined, c->f->defined[k]);
    const char *t = st->text;
    size_t n = st->text_len, i = 0;
    while (defined.n && i < n) {
        unsigned char ch = (unsigned char)t[i];
        if (ch == '-' && i + 1 < n && t[i + 1] == '-') {
            while (i < n && t[i] != '\n')
                i++;
        } else if (ch == '/' && i + 1 < n && t[i + 1] == '*') {
            int depth = 1;
            for (i += 2; i < n && depth > 0; i++) {
                if (t[i] == '/' && i + 1 < n && t[i + 1] == '*')
                    depth++, i++;
                else if (t[i] == '*' && i + 1 < n && t[i + 1] == '/')
                    depth--, i++;
            }
        } else if (ch == '\'') {
            i = skip_string(t, n, i + 1, false);
        } else if (ch == '$' && dollar_tag(t, n, i)) {
            size_t tag = dollar_tag(t, n, i);
            const char *end = NULL;
            for (size_t j = i + tag; !end && j + tag <= n; j++)
                if (memcmp(t + j, t + i, tag) == 0)
                    end = t + j;
            i = end ? (size_t)(end - t) + tag : n;
        } else if (ch == '"' ||
                   ((ch == 'U' || ch == 'u') && i + 2 < n && t[i + 1] == '&' && t[i + 2] == '"')) {
            size_t start = i, len = 0;
            i += ch == '"' ? 1 : 3;
            size_t body = i;
            for (; i < n; i++, len++) {
                if (t[i] == '"' && i + 1 < n && t[i + 1] == '"')
                    i++; /* "" stands for one " */
                else if (t[i] == '"')
                    break;
            }
            size_t end = i;
            i = i < n ? i + 1 : n;
            if (len <= NAME_MAX_BYTES)
                continue;
            char *name = xmalloc(len + 1);
            size_t k = 0;
            for (size_t j = body; j < end; j++, k++) {
                name[k] = t[j];
                if (t[j] == '"')
                    j++;
            }
            name[k] = '\0';
            check_identifier(c, &defined, &done, name, k, start);
            free(name);
        } else if (ident_start(ch)) {
            size_t start = i;
            while (i < n && ident_cont((unsigned char)t[i]))
                i++;
            size_t len = i - start;
            if (i < n && t[i] == '\'' && len <= 2) {
                /* E'...', B'...', X'...', N'...' are literals, not names */
                bool esc = len == 1 && (ch == 'e' || ch == 'E');
                i = skip_string(t, n, i + 1, esc);
                continue;
            }
            if ((ch == 'U' || ch == 'u') && len == 1 && i + 1 < n && t[i] == '&' &&
                t[i + 1] == '\'') {
                i = skip_string(t, n, i + 2, false); /* U&'...' */
                continue;
            }
            if (len <= NAME_MAX_BYTES)
                continue;
            char *name = xmalloc(len + 1);
            for (size_t j = 0; j < len; j++) {
                char b = t[start + j];
                name[j] = b >= 'A' && b <= 'Z' ? (char)(b - 'A' + 'a') : b;
            }
            name[len] = '\0';
            check_identifier(c, &defined, &done, name, len, start);
            free(name);
        } else if (ch >= '0' && ch <= '9') {
            while (i < n && (ident_cont((unsigned char)t[i]) || t[i] == '.'))
                i++;
        } else {
            i++;
        }
    }
    strset_free(&defined);
    strset_free(&done);
}

/* ------------------------------------------------------------------ assignments */

/* One list of ResTargets assigned in one statement: a column named twice. */
static void check_assignments(lint_ctx *c, const cJSON *targets, const char *what)
{
    int n = cJSON_GetArraySize(targets);
    for (int i = 1; i < n; i++) {
        const cJSON *a = field(cJSON_GetArrayItem(targets, i), PGN_ResTarget);
        const char *name = str_field(a, PGF_name);
        bool a_whole = !field(a, PGF_indirection);
        for (int j = 0; name && j < i; j++) {
            const cJSON *b = field(cJSON_GetArrayItem(targets, j), PGN_ResTarget);
            /* PostgreSQL merges assignments to distinct parts of one column */
            if (str_is(str_field(b, PGF_name), name) && (a_whole || !field(b, PGF_indirection))) {
                lint_report(c, RULE_DUPLICATE_COLUMN_ASSIGNMENT, location_of(a),
                       "column \"%s\" is assigned twice in %s", name, what);
                break;
            }
        }
    }
}

/* ------------------------------------------------------------------ DML */

static void check_require_schema(lint_ctx *c, const cJSON *rv, const char *what)
{
    if (!rv || str_field(rv, PGF_schemaname) || str_is(str_field(rv, PGF_relpersistence), "t") ||
        created_relation(c, rv))
        return;
    lint_report(c, RULE_REQUIRE_SCHEMA, location_of(rv),
           "%s names table \"%s\" without its schema: search_path decides which table it is",
           what, str_field(rv, PGF_relname) ? str_field(rv, PGF_relname) : "?");
}

/*
 * One INSERT, UPDATE, DELETE or MERGE of the statement (the facts hold every one,
 * data-modifying CTEs included; not inside rule actions, bodies or PREPARE).
 */
static void check_dml(lint_ctx *c, const dml_ref *d)
{
    const cJSON *f = d->node;
    const cJSON *rv = d->target;
    if (d->kind == DML_UPDATE) {
        check_assignments(c, field(f, PGF_targetList), "UPDATE");
        check_require_schema(c, rv, "UPDATE");
        if (!field(f, PGF_whereClause) && !created_relation(c, rv)) {
            char *name = rv_display(rv);
            lint_report(c, RULE_UPDATE_WITHOUT_WHERE, location_of(rv),
                   "UPDATE of \"%s\" without WHERE changes every row", name);
            free(name);
        }
    } else if (d->kind == DML_DELETE) {
        check_require_schema(c, rv, "DELETE");
        if (!field(f, PGF_whereClause) && !created_relation(c, rv)) {
            char *name = rv_display(rv);
            lint_report(c, RULE_DELETE_WITHOUT_WHERE, location_of(rv),
                   "DELETE from \"%s\" without WHERE removes every row", name);
            free(name);
        }
    } else if (d->kind == DML_INSERT) {
        check_assignments(c, field(f, PGF_cols), "INSERT");
        check_assignments(c, field(field(f, PGF_onConflictClause), PGF_targetList),
                          "ON CONFLICT DO UPDATE");
        check_require_schema(c, rv, "INSERT");
    } else {
        check_require_schema(c, rv, "MERGE");
        const cJSON *w;
        cJSON_ArrayForEach(w, field(f, PGF_mergeWhenClauses)) {
            const cJSON *wc = field(w, PGN_MergeWhenClause);
            check_assignments(c, field(wc, PGF_targetList),
                              str_is(str_field(wc, PGF_commandType), "CMD_INSERT")
                                  ? "MERGE ... INSERT"
                                  : "MERGE ... UPDATE");
        }
    }
}

/* ------------------------------------------------------------------ statements */

static void not_idempotent(lint_ctx *c, long loc, const char *what, const char *fix)
{
    lint_report(c, RULE_NOT_IDEMPOTENT, loc, "%s fails when the script runs again; %s", what, fix);
}

static const char *drop_object_name(const char *remove_type)
{
    static const char *const map[][2] = {
        {"OBJECT_TABLE", "TABLE"},       {"OBJECT_INDEX", "INDEX"},
        {"OBJECT_SEQUENCE", "SEQUENCE"}, {"OBJECT_VIEW", "VIEW"},
        {"OBJECT_MATVIEW", "MATERIALIZED VIEW"}, {"OBJECT_SCHEMA", "SCHEMA"},
        {"OBJECT_TYPE", "TYPE"},         {"OBJECT_DOMAIN", "DOMAIN"},
        {"OBJECT_FUNCTION", "FUNCTION"}, {"OBJECT_PROCEDURE", "PROCEDURE"},
        {"OBJECT_EXTENSION", "EXTENSION"}, {"OBJECT_TRIGGER", "TRIGGER"},
        {"OBJECT_POLICY", "POLICY"},     {"OBJECT_FOREIGN_TABLE", "FOREIGN TABLE"},
    };
    for (size_t i = 0; remove_type && i < ARRAY_SIZE(map); i++)
        if (strcmp(map[i][0], remove_type) == 0)
            return map[i][1];
    return NULL;
}

static void check_alter_table(lint_ctx *c, const cJSON *f)
{
    const cJSON *rv = field(f, PGF_relation);
    bool table = str_is(str_field(f, PGF_objtype), "OBJECT_TABLE") ||
                 str_is(str_field(f, PGF_objtype), "OBJECT_FOREIGN_TABLE");
    if (table)
        check_require_schema(c, rv, "ALTER TABLE");
    const cJSON *it;
    cJSON_ArrayForEach(it, field(f, PGF_cmds)) {
        const cJSON *cmd = field(it, PGN_AlterTableCmd);
        const char *sub = str_field(cmd, PGF_subtype);
        const cJSON *cd = field(field(cmd, PGF_def), PGN_ColumnDef);
        bool missing_ok = bool_field(cmd, PGF_missing_ok);
        if (str_is(sub, "AT_AddColumn") && cd) {
            check_column_def(c, cd, NULL, false, false);
            if (!missing_ok)
                not_idempotent(c, location_of(cd), "ADD COLUMN without IF NOT EXISTS",
                               "write ADD COLUMN IF NOT EXISTS");
        } else if (str_is(sub, "AT_AlterColumnType") && cd) {
            check_column_def(c, cd, str_field(cmd, PGF_name), false, false);
        } else if (str_is(sub, "AT_DropColumn") && !missing_ok) {
            not_idempotent(c, location_of(rv), "DROP COLUMN without IF EXISTS",
                           "write DROP COLUMN IF EXISTS");
        } else if (str_is(sub, "AT_DropConstraint") && !missing_ok) {
            not_idempotent(c, location_of(rv), "DROP CONSTRAINT without IF EXISTS",
                           "write DROP CONSTRAINT IF EXISTS");
        }
    }
}

static void check_enum(lint_ctx *c, const cJSON *f)
{
    const cJSON *names = field(f, PGF_typeName);
    const char *value = str_field(f, PGF_newVal);
    if (!value || field(f, PGF_oldVal) || field(f, PGF_newValNeighbor))
        return;
    if (session_created(c->sess, 1u << OBJ_ENUM, list_qname(names)))
        return;
    lint_report(c, RULE_ENUM_VALUE_WITHOUT_POSITION, -1,
           "enum value '%s' is added last in \"%s\"; place it with BEFORE or AFTER", value,
           list_str(names, -1) ? list_str(names, -1) : "?");
}

/* BEGIN inside a block; the block a BEGIN opens, reported at the end if still open. */
static void check_transaction(lint_ctx *c, design_state *ds, const unit_info *u)
{
    if (u->txn != TXN_BEGIN)
        return;
    if (session_in_block(c->sess)) {
        stmt_anchor open = session_block_start(c->sess);
        lint_report(c, RULE_NESTED_TRANSACTION, -1,
                    "%s inside the transaction begun at %s:%d: PostgreSQL only warns, and the "
                    "first COMMIT ends the outer transaction",
                    u->txn_name, open.src->name, open.line);
        return;
    }
    finding_list_free(&ds->unterminated);
    lint_report_to(c, &ds->unterminated, RULE_UNTERMINATED_TRANSACTION, -1,
                   "the transaction begun here is never committed or rolled back: at the end "
                   "of the script PostgreSQL rolls it back");
}

static void check_statement(lint_ctx *c, const cJSON *node)
{
    const char *kind = sql_node_kind(node);
    const cJSON *f = sql_node_fields(node);
    if (!kind || !f)
        return;
    if (strcmp(kind, PGN_CreateStmt) == 0 || strcmp(kind, PGN_CreateForeignTableStmt) == 0) {
        const cJSON *base = strcmp(kind, PGN_CreateStmt) == 0 ? f : field(f, PGF_base);
        const cJSON *rv = field(base, PGF_relation);
        check_table_elts(c, field(base, PGF_tableElts));
        check_require_schema(c, rv, "CREATE TABLE");
        if (!bool_field(base, PGF_if_not_exists) && !str_is(str_field(rv, PGF_relpersistence), "t"))
            not_idempotent(c, location_of(rv), "CREATE TABLE without IF NOT EXISTS",
                           "write CREATE TABLE IF NOT EXISTS");
    } else if (strcmp(kind, PGN_CreateTableAsStmt) == 0) {
        const cJSON *rv = field(field(f, PGF_into), PGF_rel);
        bool matview = str_is(str_field(f, PGF_objtype), "OBJECT_MATVIEW");
        if (!matview)
            check_require_schema(c, rv, "CREATE TABLE");
        if (!bool_field(f, PGF_if_not_exists) && !str_is(str_field(rv, PGF_relpersistence), "t"))
            not_idempotent(c, location_of(rv),
                           matview ? "CREATE MATERIALIZED VIEW without IF NOT EXISTS"
                                   : "CREATE TABLE AS without IF NOT EXISTS",
                           matview ? "write CREATE MATERIALIZED VIEW IF NOT EXISTS"
                                   : "write CREATE TABLE IF NOT EXISTS ... AS");
    } else if (strcmp(kind, PGN_SelectStmt) == 0 && field(f, PGF_intoClause)) {
        const cJSON *rv = field(field(f, PGF_intoClause), PGF_rel);
        check_require_schema(c, rv, "SELECT INTO");
        if (!str_is(str_field(rv, PGF_relpersistence), "t"))
            not_idempotent(c, location_of(rv), "SELECT INTO",
                           "write CREATE TABLE IF NOT EXISTS ... AS SELECT");
    } else if (strcmp(kind, PGN_ViewStmt) == 0) {
        const cJSON *rv = field(f, PGF_view);
        if (!bool_field(f, PGF_replace))
            not_idempotent(c, location_of(rv), "CREATE VIEW without OR REPLACE",
                           "write CREATE OR REPLACE VIEW");
    } else if (strcmp(kind, PGN_CreateFunctionStmt) == 0) {
        bool proc = bool_field(f, PGF_is_procedure);
        if (!bool_field(f, PGF_replace))
            not_idempotent(c, -1, proc ? "CREATE PROCEDURE without OR REPLACE"
                                       : "CREATE FUNCTION without OR REPLACE",
                           proc ? "write CREATE OR REPLACE PROCEDURE"
                                : "write CREATE OR REPLACE FUNCTION");
    } else if (strcmp(kind, PGN_IndexStmt) == 0) {
        const cJSON *rv = field(f, PGF_relation);
        if (!str_field(f, PGF_idxname))
            lint_report(c, RULE_NOT_IDEMPOTENT, location_of(rv),
                   "CREATE INDEX without a name adds another index each time the script runs; "
                   "name it and write IF NOT EXISTS");
        else if (!bool_field(f, PGF_if_not_exists))
            not_idempotent(c, location_of(rv), "CREATE INDEX without IF NOT EXISTS",
                           "write CREATE INDEX IF NOT EXISTS");
    } else if (strcmp(kind, PGN_CreateSchemaStmt) == 0) {
        if (!bool_field(f, PGF_if_not_exists))
            not_idempotent(c, -1, "CREATE SCHEMA without IF NOT EXISTS",
                           "write CREATE SCHEMA IF NOT EXISTS");
        /* its CREATE TABLE elements go in the new schema (named in the parent only) */
        const cJSON *e;
        cJSON_ArrayForEach(e, field(f, PGF_schemaElts)) {
            const cJSON *cs = field(e, PGN_CreateStmt);
            if (!cs)
                continue;
            check_table_elts(c, field(cs, PGF_tableElts));
        }
    } else if (strcmp(kind, PGN_CreateSeqStmt) == 0) {
        if (!bool_field(f, PGF_if_not_exists))
            not_idempotent(c, location_of(field(f, PGF_sequence)),
                           "CREATE SEQUENCE without IF NOT EXISTS",
                           "write CREATE SEQUENCE IF NOT EXISTS");
    } else if (strcmp(kind, PGN_CreateExtensionStmt) == 0) {
        if (!bool_field(f, PGF_if_not_exists))
            not_idempotent(c, -1, "CREATE EXTENSION without IF NOT EXISTS",
                           "write CREATE EXTENSION IF NOT EXISTS");
    } else if (strcmp(kind, PGN_DropStmt) == 0) {
        if (!bool_field(f, PGF_missing_ok)) {
            const char *obj = drop_object_name(str_field(f, PGF_removeType));
            char *what = xasprintf("DROP %s without IF EXISTS", obj ? obj : "");
            char *fix = xasprintf("write DROP %s IF EXISTS", obj ? obj : "...");
            not_idempotent(c, -1, obj ? what : "DROP without IF EXISTS", fix);
            free(what);
            free(fix);
        }
    } else if (strcmp(kind, PGN_DropdbStmt) == 0 || strcmp(kind, PGN_DropRoleStmt) == 0 ||
               strcmp(kind, PGN_DropTableSpaceStmt) == 0 ||
               strcmp(kind, PGN_DropSubscriptionStmt) == 0) {
        if (!bool_field(f, PGF_missing_ok))
            not_idempotent(c, -1, "DROP without IF EXISTS", "write DROP ... IF EXISTS");
    } else if (strcmp(kind, PGN_AlterTableStmt) == 0) {
        check_alter_table(c, f);
    } else if (strcmp(kind, PGN_AlterEnumStmt) == 0) {
        check_enum(c, f);
    }
}

/* ------------------------------------------------------------------ the module */

static void *design_begin(lint_ctx *c)
{
    (void)c;
    return xcalloc(1, sizeof(design_state));
}

static void design_unit(lint_ctx *c, void *state)
{
    design_state *ds = state;
    const unit_info *u = &c->f->units[c->unit];
    if (c->unit == 0)
        check_long_identifiers(c);
    for (size_t i = 0; i < c->f->ndml; i++)
        if (c->f->dml[i].unit == c->unit)
            check_dml(c, &c->f->dml[i]);
    check_statement(c, c->st->parse.stmts[c->unit]);
    check_transaction(c, ds, u);
}

static void design_end(lint_ctx *c, void *state)
{
    design_state *ds = state;
    if (session_in_block(c->sess))
        lint_keep(c, &ds->unterminated);
}

static void design_free(void *state)
{
    design_state *ds = state;
    finding_list_free(&ds->unterminated);
    free(ds);
}

const lint_checker design_checker = {
    .begin = design_begin, .unit = design_unit, .end = design_end, .free = design_free};

