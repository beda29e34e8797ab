/*
 * rules_locking.c: migration safety: locks, table rewrites and destructive DDL
 * (the rules are defined by their docs, rules/<id>.md).
 *
 * Statement by statement, from the facts (the locks each statement takes) and the
 * session (analyze/session.h): the relations (and indexes, domains, databases) the
 * script created so far, on which nothing here fires (they are new and empty,
 * nobody else uses them); whether lock_timeout / statement_timeout are in force; the
 * current transaction (a BEGIN ... COMMIT block, or the one pgward apply runs a
 * file in), in which this module keeps the pre-existing tables locked and the
 * ACCESS EXCLUSIVE locks held. What it finds inside the transaction apply is only
 * assumed to run the file in holds only if the script never controls transactions
 * itself: those findings wait for the end of the script. Relations are matched by
 * schema and name when both sides are qualified, else by name. Version-dependent
 * behaviour follows cfg->pg_version (0 = the grammar's major).
 */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "pg_catalog_functions.h"
#include "rules/checks.h"
#include "rules/txn_rules.h"

/* Kinds of object the script may have created that a locking statement names. */
#define CREATED_RELATIONS                                                                   \
    (1u << OBJ_TABLE | 1u << OBJ_FOREIGN_TABLE | 1u << OBJ_VIEW | 1u << OBJ_MATVIEW |      \
     1u << OBJ_INDEX | 1u << OBJ_SEQUENCE | 1u << OBJ_DOMAIN | 1u << OBJ_DATABASE)

/* Whether the script created r (new and empty: nothing here fires on it). */
static bool created(const lint_ctx *c, qname r)
{
    /* in a schema the script made with a plain CREATE SCHEMA nothing can have been
       waiting: the relation is the script's own, unseen by others until it commits */
    return session_created(c->sess, CREATED_RELATIONS, r) ||
           (r.schema && session_schema_created(c->sess, r.schema));
}

/* Whether CONCURRENTLY could be used: not in an extension script, which CREATE
   EXTENSION runs inside a transaction block (advice it cannot follow is noise). */
static bool concurrently_possible(const lint_ctx *c)
{
    return lint_script_kind(c->s) != SCRIPT_EXTENSION;
}

/* The major version the script targets (--pg-version; 0 means the grammar's). */
static int pg_version(const lint_ctx *c)
{
    return c->cfg && c->cfg->pg_version > 0 ? c->cfg->pg_version : PGWARD_GRAMMAR_MAJOR;
}

/* Where a statement refused in a transaction block can run, in the run's runner
   model ("in a file marked '-- pgward:no-transaction'"). */
static const char *outside(const lint_ctx *c)
{
    return runner_model_of(c->cfg, c->s)->where;
}

/* The runner model a finding about the current transaction assumes, when it is the
   runner's and not a BEGIN of the script's own: " (each file runs in ...)". */
static char *assumed_model(const lint_ctx *c)
{
    return session_txn_assumed(c->sess) ? xasprintf(" (%s)", runner_model_of(c->cfg, c->s)->model)
                                         : xstrdup("");
}

/* A name list, or a {"List": {"items": ...}} of one: the last item and the one before. */
static qname items_qname(const cJSON *list)
{
    const cJSON *items = field(field(list, PGN_List), PGF_items);
    return list_qname(items ? items : list);
}

/* ------------------------------------------------------------------ volatility */

static int cmp_name(const void *key, const void *item)
{
    return strcmp((const char *)key, *(const char *const *)item);
}

static bool in_list(const char *name, const char *const *list, size_t n)
{
    return bsearch(name, list, n, sizeof(list[0]), cmp_name) != NULL;
}

/*
 * Whether a call of funcname (a list of String) is known not to be volatile: a
 * pg_catalog function (unqualified or qualified with pg_catalog) none of whose
 * overloads is volatile. Anything else (extensions, the script's own functions)
 * may be volatile.
 */
static bool known_nonvolatile(const cJSON *funcname)
{
    int n = cJSON_GetArraySize(funcname);
    const char *name = n > 0 ? string_node(cJSON_GetArrayItem(funcname, n - 1)) : NULL;
    const char *schema = n > 1 ? string_node(cJSON_GetArrayItem(funcname, n - 2)) : NULL;
    if (!name || n > 2 || (schema && strcmp(schema, "pg_catalog") != 0))
        return false;
    return in_list(name, pg_catalog_functions, ARRAY_SIZE(pg_catalog_functions)) &&
           !in_list(name, pg_catalog_volatile_functions, ARRAY_SIZE(pg_catalog_volatile_functions));
}

/* The first call in expression e that may be volatile, or NULL. */
static const cJSON *volatile_call(const cJSON *e)
{
    if (!e)
        return NULL;
    if (cJSON_IsObject(e)) {
        const cJSON *fc = field(e, PGN_FuncCall);
        if (fc && !known_nonvolatile(field(fc, PGF_funcname)))
            return fc;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, e) {
        const cJSON *v = volatile_call(it);
        if (v)
            return v;
    }
    return NULL;
}

/* The dotted name of a call (its funcname list). */
static char *call_name(const cJSON *fc)
{
    strbuf b = {0};
    const cJSON *it;
    cJSON_ArrayForEach(it, field(fc, PGF_funcname)) {
        const char *s = string_node(it);
        if (b.len)
            sb_addc(&b, '.');
        sb_adds(&b, s ? s : "?");
    }
    return sb_detach(&b, NULL);
}

static bool is_serial(const cJSON *type_name)
{
    static const char *const serials[] = {"bigserial", "serial", "serial2", "serial4",
                                          "serial8", "smallserial"};
    qname t = items_qname(field(type_name, PGF_names));
    if (!t.name || t.schema)
        return false;
    for (size_t i = 0; i < ARRAY_SIZE(serials); i++)
        if (strcmp(t.name, serials[i]) == 0)
            return true;
    return false;
}

static bool is_null_const(const cJSON *e)
{
    const cJSON *c = field(e, PGN_A_Const);
    return c && bool_field(c, PGF_isnull);
}

static void check_add_column(lint_ctx *c, const char *table,
                             const cJSON *cd)
{
    const char *col = str_field(cd, PGF_colname);
    if (!col)
        col = "?";
    long loc = location_of(cd);
    const cJSON *dflt = NULL, *it;
    const cJSON *fk = NULL, *check = NULL, *keyc = NULL, *generated = NULL, *identity = NULL;
    bool notnull = false;
    cJSON_ArrayForEach(it, field(cd, PGF_constraints)) {
        const cJSON *con = field(it, PGN_Constraint);
        const char *ct = str_field(con, PGF_contype);
        if (str_is(ct, "CONSTR_DEFAULT") && !is_null_const(field(con, PGF_raw_expr)))
            dflt = con;
        else if (str_is(ct, "CONSTR_NOTNULL"))
            notnull = true;
        else if (str_is(ct, "CONSTR_PRIMARY"))
            notnull = true, keyc = con;
        else if (str_is(ct, "CONSTR_UNIQUE"))
            keyc = con;
        else if (str_is(ct, "CONSTR_FOREIGN"))
            fk = con;
        else if (str_is(ct, "CONSTR_CHECK"))
            check = con;
        else if (str_is(ct, "CONSTR_GENERATED"))
            generated = con;
        else if (str_is(ct, "CONSTR_IDENTITY"))
            identity = con;
    }
    bool serial = is_serial(field(cd, PGF_typeName));
    if (generated) {
        lint_report(c, RULE_ADD_COLUMN_VOLATILE_DEFAULT, location_of(generated),
               "stored generated column \"%s\" added to \"%s\" is computed for every row, "
               "rewriting the table under an ACCESS EXCLUSIVE lock; add a plain column, "
               "backfill it in batches and keep it current with a trigger",
               col, table);
    } else if (identity || serial) {
        lint_report(c, RULE_ADD_COLUMN_VOLATILE_DEFAULT, identity ? location_of(identity) : loc,
               "%s column \"%s\" added to \"%s\" fills every row from a sequence, rewriting "
               "the table under an ACCESS EXCLUSIVE lock; add a plain nullable column, "
               "backfill it in batches, then attach the sequence as its default",
               identity ? "identity" : "serial", col, table);
    } else if (dflt && pg_version(c) < 11) {
        lint_report(c, RULE_ADD_COLUMN_VOLATILE_DEFAULT, location_of(dflt),
               "column \"%s\" added to \"%s\" with a default: before PostgreSQL 11 any "
               "non-NULL default rewrites the table under an ACCESS EXCLUSIVE lock; add the "
               "column without a default, set the default, then backfill in batches",
               col, table);
    } else if (dflt) {
        const cJSON *fc = volatile_call(field(dflt, PGF_raw_expr));
        if (fc) {
            char *fn = call_name(fc);
            lint_report(c, RULE_ADD_COLUMN_VOLATILE_DEFAULT, location_of(fc),
                   "column \"%s\" added to \"%s\" with volatile default %s(): it is "
                   "evaluated for every row, rewriting the table under an ACCESS EXCLUSIVE "
                   "lock; add the column without a default, set the default, then backfill "
                   "in batches",
                   col, table, fn);
            free(fn);
        }
    }
    if (notnull && !dflt && !generated && !identity && !serial)
        lint_report(c, RULE_ADD_REQUIRED_COLUMN, loc,
               "NOT NULL column \"%s\" added to \"%s\" without a default fails as soon as "
               "the table has a row; give it a default, or add it nullable, backfill it, "
               "then set NOT NULL",
               col, table);
    if (keyc)
        lint_report(c, RULE_UNIQUE_WITHOUT_INDEX, location_of(keyc),
               "%s on new column \"%s\" of \"%s\" builds its index under an ACCESS EXCLUSIVE "
               "lock; add the column, CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT "
               "... USING INDEX",
               str_is(str_field(keyc, PGF_contype), "CONSTR_PRIMARY") ? "PRIMARY KEY" : "UNIQUE",
               col, table);
    if (fk || check)
        lint_report(c, RULE_CONSTRAINT_WITHOUT_NOT_VALID, location_of(fk ? fk : check),
               "%s constraint on new column \"%s\" of \"%s\" is checked against every row "
               "under a lock; add the column, then the constraint NOT VALID, then VALIDATE "
               "CONSTRAINT in another transaction",
               fk ? "foreign key" : "check", col, table);
}

/*
 * Whether ALTER COLUMN ... TYPE to this type is taken for a binary-coercible
 * widening: text, varchar or varchar(n), numeric without precision, without USING.
 * pgward cannot see the old type; these targets are what widening varchar(n),
 * text or numeric(p,s) columns look like (no rewrite since PostgreSQL 9.2).
 */
static bool looks_like_widening(const cJSON *cd)
{
    if (field(cd, PGF_raw_default)) /* USING: a conversion */
        return false;
    const cJSON *tn = field(cd, PGF_typeName);
    if (field(tn, PGF_arrayBounds))
        return false;
    qname t = items_qname(field(tn, PGF_names));
    if (!t.name || (t.schema && strcmp(t.schema, "pg_catalog") != 0))
        return false;
    if (strcmp(t.name, "text") == 0 || strcmp(t.name, "varchar") == 0)
        return true;
    return strcmp(t.name, "numeric") == 0 && !field(tn, PGF_typmods);
}

static void check_alter_table(lint_ctx *c, const cJSON *f)
{
    const cJSON *rv = field(f, PGF_relation), *it;
    qname rel = rangevar_qname(rv);
    if (!rel.name || created(c, rel))
        return;
    char *table = qname_text(rel);
    long tloc = location_of(rv);
    bool index = str_is(str_field(f, PGF_objtype), "OBJECT_INDEX");
    cJSON_ArrayForEach(it, field(f, PGF_cmds)) {
        const cJSON *cmd = field(it, PGN_AlterTableCmd);
        const char *sub = str_field(cmd, PGF_subtype);
        const char *name = str_field(cmd, PGF_name);
        const cJSON *def = field(cmd, PGF_def);
        if (!sub)
            continue;
        if (strcmp(sub, "AT_AddColumn") == 0) {
            check_add_column(c, table, field(def, PGN_ColumnDef));
        } else if (strcmp(sub, "AT_AlterColumnType") == 0) {
            const cJSON *cd = field(def, PGN_ColumnDef);
            if (!looks_like_widening(cd))
                lint_report(c, RULE_CHANGE_COLUMN_TYPE, location_of(cd),
                       "changing the type of column \"%s\" of \"%s\" rewrites the table and "
                       "its indexes under an ACCESS EXCLUSIVE lock; add a column of the new "
                       "type, backfill it in batches, then switch the code over",
                       name ? name : "?", table);
        } else if (strcmp(sub, "AT_AddConstraint") == 0) {
            const cJSON *con = field(def, PGN_Constraint);
            const char *ct = str_field(con, PGF_contype);
            const char *cname = str_field(con, PGF_conname);
            char *label = cname ? xasprintf(" \"%s\"", cname) : xstrdup("");
            if (str_is(ct, "CONSTR_FOREIGN") && !bool_field(con, PGF_skip_validation)) {
                char *ref = qname_text(rangevar_qname(field(con, PGF_pktable)));
                lint_report(c, RULE_CONSTRAINT_WITHOUT_NOT_VALID, location_of(con),
                       "foreign key%s on \"%s\" added without NOT VALID checks every row while "
                       "holding SHARE ROW EXCLUSIVE locks on \"%s\" and \"%s\", blocking "
                       "their writes; add it NOT VALID, then VALIDATE CONSTRAINT in another "
                       "transaction",
                       label, table, table, ref);
                free(ref);
            } else if (str_is(ct, "CONSTR_CHECK") && !bool_field(con, PGF_skip_validation)) {
                lint_report(c, RULE_CONSTRAINT_WITHOUT_NOT_VALID, location_of(con),
                       "check constraint%s on \"%s\" added without NOT VALID checks every row "
                       "under an ACCESS EXCLUSIVE lock; add it NOT VALID, then VALIDATE "
                       "CONSTRAINT in another transaction",
                       label, table);
            } else if ((str_is(ct, "CONSTR_PRIMARY") || str_is(ct, "CONSTR_UNIQUE")) &&
                       !str_field(con, PGF_indexname)) {
                lint_report(c, RULE_UNIQUE_WITHOUT_INDEX, location_of(con),
                       "%s%s on \"%s\" added without USING INDEX builds its index under an "
                       "ACCESS EXCLUSIVE lock, blocking reads and writes; CREATE UNIQUE INDEX "
                       "CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX",
                       str_is(ct, "CONSTR_PRIMARY") ? "primary key" : "unique constraint",
                       label, table);
            }
            free(label);
        } else if (strcmp(sub, "AT_SetNotNull") == 0) {
            if (pg_version(c) >= 12)
                lint_report(c, RULE_SET_NOT_NULL, tloc,
                       "SET NOT NULL on column \"%s\" of \"%s\" scans the whole table under "
                       "an ACCESS EXCLUSIVE lock; add CHECK (%s IS NOT NULL) NOT VALID, "
                       "VALIDATE it in another transaction, and SET NOT NULL then skips the "
                       "scan",
                       name ? name : "?", table, name ? name : "?");
            else
                lint_report(c, RULE_SET_NOT_NULL, tloc,
                       "SET NOT NULL on column \"%s\" of \"%s\" scans the whole table under "
                       "an ACCESS EXCLUSIVE lock, and before PostgreSQL 12 nothing avoids the "
                       "scan; prefer a CHECK (%s IS NOT NULL) constraint added NOT VALID and "
                       "validated separately",
                       name ? name : "?", table, name ? name : "?");
        } else if (strcmp(sub, "AT_DropNotNull") == 0) {
            lint_report(c, RULE_DROP_NOT_NULL, tloc,
                   "dropping NOT NULL on column \"%s\" of \"%s\" lets NULLs in; make sure no "
                   "code reading it assumes a value",
                   name ? name : "?", table);
        } else if (strcmp(sub, "AT_DropColumn") == 0) {
            lint_report(c, RULE_DROP_COLUMN, tloc,
                   "dropping column \"%s\" of \"%s\" breaks the code that still reads it; "
                   "stop using it in a release first, then drop it",
                   name ? name : "?", table);
        } else if (strcmp(sub, "AT_DetachPartition") == 0) {
            const cJSON *pc = field(def, PGN_PartitionCmd);
            if (pg_version(c) >= 14 && !bool_field(pc, PGF_concurrent)) {
                char *part = qname_text(rangevar_qname(field(pc, PGF_name)));
                lint_report(c, RULE_DETACH_PARTITION_NOT_CONCURRENTLY, tloc,
                       "DETACH PARTITION \"%s\" from \"%s\" without CONCURRENTLY takes an "
                       "ACCESS EXCLUSIVE lock on the parent table; use DETACH PARTITION ... "
                       "CONCURRENTLY %s",
                       part, table, outside(c));
                free(part);
            }
        } else if (strcmp(sub, "AT_SetTableSpace") == 0) {
            lint_report(c, RULE_TABLE_REWRITE, tloc,
                   "SET TABLESPACE copies all of \"%s\" under an ACCESS EXCLUSIVE lock%s; "
                   "move it with pg_repack or during a maintenance window",
                   table, index ? "" : ", blocking reads and writes");
        } else if (strcmp(sub, "AT_SetLogged") == 0 || strcmp(sub, "AT_SetUnLogged") == 0 ||
                   strcmp(sub, "AT_SetAccessMethod") == 0) {
            const char *what = strcmp(sub, "AT_SetLogged") == 0     ? "SET LOGGED"
                               : strcmp(sub, "AT_SetUnLogged") == 0 ? "SET UNLOGGED"
                                                                     : "SET ACCESS METHOD";
            lint_report(c, RULE_TABLE_REWRITE, tloc,
                   "%s rewrites all of \"%s\" under an ACCESS EXCLUSIVE lock, blocking reads "
                   "and writes; do it during a maintenance window or build a new table",
                   what, table);
        }
    }
    free(table);
}

/* ------------------------------------------------------------------ other statements */

/* The CONCURRENTLY statement node is, or NULL. */
static const char *concurrent_what(const cJSON *node)
{
    const char *kind = sql_node_kind(node);
    const cJSON *f = sql_node_fields(node), *it;
    if (str_is(kind, PGN_IndexStmt))
        return bool_field(f, PGF_concurrent) ? "CREATE INDEX CONCURRENTLY" : NULL;
    if (str_is(kind, PGN_DropStmt))
        return bool_field(f, PGF_concurrent) ? "DROP INDEX CONCURRENTLY" : NULL;
    if (str_is(kind, PGN_ReindexStmt))
        return option_true(field(f, PGF_params), "concurrently") ? "REINDEX CONCURRENTLY" : NULL;
    if (str_is(kind, PGN_AlterTableStmt)) {
        cJSON_ArrayForEach(it, field(f, PGF_cmds)) {
            const cJSON *cmd = field(it, PGN_AlterTableCmd);
            if (str_is(str_field(cmd, PGF_subtype), "AT_DetachPartition") &&
                bool_field(field(field(cmd, PGF_def), PGN_PartitionCmd), PGF_concurrent))
                return "DETACH PARTITION CONCURRENTLY";
        }
    }
    return NULL;
}

/* What a DROP's removeType is called in SQL, for messages. */
static const char *drop_kind_word(const char *rt)
{
    const char *w = rt && strncmp(rt, "OBJECT_", 7) == 0 ? rt + 7 : "OBJECT";
    return w;
}

/*
 * drop-cascade: DROP ... CASCADE of something the script did not create drops every
 * object that depends on it, which the script does not name.
 */
static void check_drop_cascade(lint_ctx *c, const cJSON *f)
{
    if (!str_is(str_field(f, PGF_behavior), "DROP_CASCADE"))
        return;
    const char *rt = str_field(f, PGF_removeType);
    bool schema = str_is(rt, "OBJECT_SCHEMA");
    const cJSON *it;
    cJSON_ArrayForEach(it, field(f, PGF_objects)) {
        char *name = NULL;
        if (schema) {
            const char *sn = string_node(it);
            if (!sn)
                sn = list_str(field(field(it, PGN_List), PGF_items), -1);
            if (!sn || session_schema_created(c->sess, sn))
                continue;
            name = xstrdup(sn);
        } else {
            qname r = items_qname(it);
            if (!r.name)
                r = items_qname(field(field(it, PGN_ObjectWithArgs), PGF_objname));
            if (!r.name)
                r = items_qname(field(field(it, PGN_TypeName), PGF_names));
            if (r.name && created(c, r))
                continue;
            name = r.name ? qname_text(r) : xstrdup(string_node(it) ? string_node(it) : "?");
        }
        if (schema)
            lint_report(c, RULE_DROP_CASCADE, -1,
                        "DROP SCHEMA \"%s\" CASCADE drops every table, function and type in "
                        "it, whatever they are and whoever uses them; drop the objects by name "
                        "first, then the empty schema without CASCADE",
                        name);
        else
            lint_report(c, RULE_DROP_CASCADE, -1,
                        "DROP %s \"%s\" CASCADE also drops every object that depends on it "
                        "(views, foreign keys, defaults, functions), none of them named here; "
                        "drop the dependents by name first, then drop it without CASCADE",
                        drop_kind_word(rt), name);
        free(name);
        return; /* one finding per statement */
    }
}

static void check_drop(lint_ctx *c, const cJSON *f)
{
    check_drop_cascade(c, f);
    const char *rt = str_field(f, PGF_removeType);
    bool table = str_is(rt, "OBJECT_TABLE");
    bool index = str_is(rt, "OBJECT_INDEX") && !bool_field(f, PGF_concurrent);
    if (!table && !index)
        return;
    const cJSON *it;
    cJSON_ArrayForEach(it, field(f, PGF_objects)) {
        qname r = items_qname(it);
        if (!r.name || created(c, r))
            continue;
        char *name = qname_text(r);
        if (table)
            lint_report(c, RULE_DROP_TABLE, -1,
                   "dropping table \"%s\" breaks the code that still uses it, and its data is "
                   "gone; stop using it in a release first, then drop it",
                   name);
        else if (concurrently_possible(c))
            lint_report(c, RULE_INDEX_NOT_CONCURRENTLY, -1,
                   "DROP INDEX \"%s\" without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on "
                   "its table, blocking reads and writes; use DROP INDEX CONCURRENTLY %s",
                   name, outside(c));
        free(name);
    }
}

static void check_reindex(lint_ctx *c, const cJSON *f)
{
    if (option_true(field(f, PGF_params), "concurrently") || !concurrently_possible(c))
        return;
    const char *rk = str_field(f, PGF_kind);
    if (str_is(rk, "REINDEX_OBJECT_SYSTEM"))
        return; /* system catalogs cannot be reindexed concurrently */
    const cJSON *rv = field(f, PGF_relation);
    char *name;
    if (rv) {
        qname r = rangevar_qname(rv);
        if (!r.name || created(c, r))
            return;
        name = qname_text(r);
    } else {
        const char *n = str_field(f, PGF_name);
        name = xstrdup(n ? n : "the current database");
    }
    if (pg_version(c) >= 12)
        lint_report(c, RULE_INDEX_NOT_CONCURRENTLY, rv ? location_of(rv) : -1,
               "REINDEX of \"%s\" without CONCURRENTLY blocks writes to the table, and reads "
               "that would use the index, until it is done; use REINDEX (CONCURRENTLY) %s",
               name, outside(c));
    else
        lint_report(c, RULE_INDEX_NOT_CONCURRENTLY, rv ? location_of(rv) : -1,
               "REINDEX of \"%s\" blocks writes to the table, and reads that would use the "
               "index, until it is done; before PostgreSQL 12 build a new index with CREATE "
               "INDEX CONCURRENTLY and drop the old one instead",
               name);
    free(name);
}

static void check_rename(lint_ctx *c, const cJSON *f)
{
    const cJSON *rv = field(f, PGF_relation);
    qname r = rangevar_qname(rv);
    if (!rv || !r.name || created(c, r))
        return;
    const char *rt = str_field(f, PGF_renameType), *rel = str_field(f, PGF_relationType);
    const char *newname = str_field(f, PGF_newname), *sub = str_field(f, PGF_subname);
    char *name = qname_text(r);
    if (str_is(rt, "OBJECT_TABLE"))
        lint_report(c, RULE_RENAME_TABLE, location_of(rv),
               "renaming table \"%s\" to \"%s\" breaks the code that still uses the old "
               "name; add a view under the old name, or move the code over first",
               name, newname ? newname : "?");
    else if (str_is(rt, "OBJECT_COLUMN") &&
             (str_is(rel, "OBJECT_TABLE") || str_is(rel, "OBJECT_FOREIGN_TABLE") ||
              str_is(rel, "OBJECT_VIEW") || str_is(rel, "OBJECT_MATVIEW")))
        lint_report(c, RULE_RENAME_COLUMN, location_of(rv),
               "renaming column \"%s\" of \"%s\" to \"%s\" breaks the code that still uses "
               "the old name; add the new column, write both, move the readers, then drop "
               "the old one",
               sub ? sub : "?", name, newname ? newname : "?");
    free(name);
}

static void check_truncate(lint_ctx *c, const cJSON *f)
{
    const cJSON *it;
    qname first = {0};
    long loc = -1;
    cJSON_ArrayForEach(it, field(f, PGF_relations)) {
        const cJSON *rv = field(it, PGN_RangeVar);
        qname r = rangevar_qname(rv);
        if (r.name && !created(c, r)) {
            first = r;
            loc = location_of(rv);
            break;
        }
    }
    if (!first.name)
        return;
    char *name = qname_text(first);
    if (str_is(str_field(f, PGF_behavior), "DROP_CASCADE"))
        lint_report(c, RULE_TRUNCATE_CASCADE, loc,
               "TRUNCATE ... CASCADE of \"%s\" also empties every table with a foreign key to "
               "it, and theirs in turn; name every table to empty instead",
               name);
    else
        lint_report(c, RULE_TRUNCATE, loc,
               "TRUNCATE of \"%s\" removes every row, under an ACCESS EXCLUSIVE lock; make "
               "sure the data is meant to go (or DELETE in batches)",
               name);
    free(name);
}

static void check_vacuum_cluster(lint_ctx *c, const char *kind,
                                 const cJSON *f)
{
    bool cluster = str_is(kind, PGN_ClusterStmt);
    if (!cluster && !(bool_field(f, PGF_is_vacuumcmd) && option_true(field(f, PGF_options), "full")))
        return;
    const cJSON *rv = NULL, *it;
    bool any = false;
    if (cluster) {
        rv = field(f, PGF_relation);
        any = !rv || !created(c, rangevar_qname(rv));
    } else {
        const cJSON *rels = field(f, PGF_rels);
        any = cJSON_GetArraySize(rels) == 0;
        cJSON_ArrayForEach(it, rels) {
            const cJSON *r = field(field(it, PGN_VacuumRelation), PGF_relation);
            if (r && !created(c, rangevar_qname(r))) {
                rv = r;
                any = true;
                break;
            }
        }
    }
    if (!any)
        return;
    char *name = rv ? qname_text(rangevar_qname(rv)) : NULL;
    char *subject = name ? xasprintf(" of \"%s\"", name) : xstrdup(" without a table");
    lint_report(c, RULE_VACUUM_FULL_OR_CLUSTER, rv ? location_of(rv) : -1,
           "%s%s rewrites %s under an ACCESS EXCLUSIVE lock, blocking reads and writes until "
           "done; use plain VACUUM, or pg_repack to compact without the long lock",
           cluster ? "CLUSTER" : "VACUUM FULL", subject,
           name ? "the table" : "every table it covers");
    free(subject);
    free(name);
}

static void check_domain(lint_ctx *c, const char *kind, const cJSON *f)
{
    const cJSON *it;
    if (str_is(kind, PGN_CreateDomainStmt)) {
        qname d = items_qname(field(f, PGF_domainname));
        cJSON_ArrayForEach(it, field(f, PGF_constraints)) {
            const cJSON *con = field(it, PGN_Constraint);
            const char *ct = str_field(con, PGF_contype);
            if (str_is(ct, "CONSTR_CHECK") || str_is(ct, "CONSTR_NOTNULL")) {
                char *name = qname_text(d);
                lint_report(c, RULE_DOMAIN_CONSTRAINT, location_of(con),
                       "domain \"%s\" created with a %s constraint: every column of the type "
                       "is checked against it, and changing it later scans them all; put a "
                       "CHECK constraint on the tables instead",
                       name, str_is(ct, "CONSTR_CHECK") ? "CHECK" : "NOT NULL");
                free(name);
                return;
            }
        }
        return;
    }
    qname d = items_qname(field(f, PGF_typeName));
    if (created(c, d))
        return;
    const char *sub = str_field(f, PGF_subtype);
    const cJSON *con = field(field(f, PGF_def), PGN_Constraint);
    bool add = str_is(sub, "C") && con && !bool_field(con, PGF_skip_validation);
    if (!add && !str_is(sub, "O"))
        return;
    char *name = qname_text(d);
    lint_report(c, RULE_DOMAIN_CONSTRAINT, add ? location_of(con) : -1,
           "%s on domain \"%s\" checks every column of the type in every table, under locks "
           "on them; put a CHECK constraint on the tables instead%s",
           add ? "adding a constraint" : "SET NOT NULL", name,
           add ? ", or add it NOT VALID and validate it separately" : "");
    free(name);
}

/* Statements that do no work worth a held lock's wait: settings, comments, grants. */
static bool is_trivial(const cJSON *node)
{
    static const char *const trivial[] = {
        PGN_VariableSetStmt, PGN_VariableShowStmt, PGN_TransactionStmt, PGN_CommentStmt,
        PGN_GrantStmt,       PGN_GrantRoleStmt,    PGN_DiscardStmt,
    };
    const char *kind = sql_node_kind(node);
    for (size_t i = 0; kind && i < ARRAY_SIZE(trivial); i++)
        if (strcmp(kind, trivial[i]) == 0)
            return true;
    if (str_is(kind, PGN_SelectStmt)) { /* SELECT set_config(...) alone */
        const cJSON *f = sql_node_fields(node), *it;
        if (field(f, PGF_fromClause) || !field(f, PGF_targetList))
            return false;
        cJSON_ArrayForEach(it, field(f, PGF_targetList)) {
            const cJSON *fc = field(field(field(it, PGN_ResTarget), PGF_val), PGN_FuncCall);
            if (!str_is(items_qname(field(fc, PGF_funcname)).name, "set_config"))
                return false;
        }
        return true;
    }
    return false;
}

/*
 * Whether an ALTER TABLE subcommand reads or rewrites the table (a validation scan,
 * an index build, a rewrite), rather than only changing the catalog.
 */
static bool alter_cmd_scans(const cJSON *cmd)
{
    static const char *const scanning[] = {
        "AT_AlterColumnType", "AT_SetNotNull",  "AT_ValidateConstraint", "AT_AddIndex",
        "AT_AddIdentity",     "AT_SetAccessMethod", "AT_SetTableSpace",  "AT_SetLogged",
        "AT_SetUnLogged",     "AT_AttachPartition",
    };
    const char *sub = str_field(cmd, PGF_subtype);
    for (size_t i = 0; sub && i < ARRAY_SIZE(scanning); i++)
        if (strcmp(sub, scanning[i]) == 0)
            return true;
    const cJSON *con, *it;
    if (str_is(sub, "AT_AddConstraint")) {
        con = field(field(cmd, PGF_def), PGN_Constraint);
        return !bool_field(con, PGF_skip_validation) && !str_field(con, PGF_indexname);
    }
    if (str_is(sub, "AT_AddColumn")) { /* a default or constraint fills or checks rows */
        const cJSON *cd = field(field(cmd, PGF_def), PGN_ColumnDef);
        if (field(cd, PGF_raw_default) && !field(field(cd, PGF_raw_default), PGN_A_Const))
            return true;
        cJSON_ArrayForEach(it, field(cd, PGF_constraints)) {
            const char *t = str_field(field(it, PGN_Constraint), PGF_contype);
            if (t && !str_is(t, "CONSTR_NULL") && !str_is(t, "CONSTR_NOTNULL") &&
                !(str_is(t, "CONSTR_DEFAULT") &&
                  field(field(field(it, PGN_Constraint), PGF_raw_expr), PGN_A_Const)))
                return true;
        }
    }
    return false;
}

/*
 * Whether a statement does work that takes time while a lock is held: reads or
 * writes rows, runs code, builds or rewrites. Catalog-only DDL (CREATE TABLE, ADD
 * COLUMN without a default, DROP, COMMENT, GRANT, settings) does not.
 */
static bool does_work(const lint_ctx *c, const cJSON *node)
{
    static const char *const working[] = {
        PGN_InsertStmt,  PGN_UpdateStmt,          PGN_DeleteStmt,       PGN_MergeStmt,
        PGN_CopyStmt,    PGN_DoStmt,              PGN_CallStmt,         PGN_RefreshMatViewStmt,
        PGN_CreateTableAsStmt, PGN_ClusterStmt,   PGN_VacuumStmt,       PGN_ReindexStmt,
    };
    const char *kind = sql_node_kind(node);
    const cJSON *f = sql_node_fields(node), *it;
    for (size_t i = 0; kind && i < ARRAY_SIZE(working); i++)
        if (strcmp(kind, working[i]) == 0)
            return true;
    if (str_is(kind, PGN_SelectStmt))
        return !is_trivial(node) && (field(f, PGF_fromClause) || field(f, PGF_targetList));
    if (str_is(kind, PGN_IndexStmt)) {
        qname r = rangevar_qname(field(f, PGF_relation));
        return r.name && !created(c, r);
    }
    if (str_is(kind, PGN_AlterTableStmt)) {
        if (created(c, rangevar_qname(field(f, PGF_relation))))
            return false;
        cJSON_ArrayForEach(it, field(f, PGF_cmds))
            if (alter_cmd_scans(field(it, PGN_AlterTableCmd)))
                return true;
    }
    return false;
}

/* ALTER TABLE ... VALIDATE CONSTRAINT among the statement's subcommands. */
static bool validates_constraint(const cJSON *node)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, field(field(node, PGN_AlterTableStmt), PGF_cmds))
        if (str_is(str_field(field(it, PGN_AlterTableCmd), PGF_subtype), "AT_ValidateConstraint"))
            return true;
    return false;
}

/* A name for what a statement does, for messages. */
static const char *stmt_name(const cJSON *node, const char *lock_what)
{
    static const struct {
        const char *kind, *name;
    } names[] = {
        {PGN_InsertStmt, "INSERT"}, {PGN_UpdateStmt, "UPDATE"}, {PGN_DeleteStmt, "DELETE"},
        {PGN_SelectStmt, "SELECT"}, {PGN_CopyStmt, "COPY"},     {PGN_CreateStmt, "CREATE TABLE"},
        {PGN_CreateTableAsStmt, "CREATE TABLE AS"}, {PGN_ViewStmt, "CREATE VIEW"},
        {PGN_CreateFunctionStmt, "CREATE FUNCTION"}, {PGN_DoStmt, "DO"}, {PGN_CallStmt, "CALL"},
        {PGN_RefreshMatViewStmt, "REFRESH MATERIALIZED VIEW"},
    };
    if (lock_what)
        return lock_what;
    const char *kind = sql_node_kind(node);
    for (size_t i = 0; kind && i < ARRAY_SIZE(names); i++)
        if (strcmp(kind, names[i].kind) == 0)
            return names[i].name;
    return "this statement";
}

/* ------------------------------------------------------------------ held locks */

/* A pre-existing relation locked in the current transaction. */
typedef struct held_lock {
    char *schema, *name;
    int line;              /* of the first statement that locked it */
    unsigned long stmt;    /* ... its number in the script */
    bool by_alter;         /* ... was an ALTER TABLE */
    bool access_exclusive;
    bool reported;         /* multiple-locks-same-table said so already */
    bool by_lock_only;     /* only LOCK TABLE so far: a later statement is not "again" */
    bool index;            /* DROP INDEX: the name is the index, the lock its table's */
} held_lock;

typedef struct lock_state {
    held_lock *held;       /* the current transaction's locks */
    size_t nheld, capheld;
    unsigned long generation; /* the session's transaction when held was filled */
    bool aex_reported;     /* access-exclusive-held said so in this transaction */
    bool lock_reported, statement_reported;
    unsigned long nstmt;
    finding_list assumed;  /* found inside the transaction apply is assumed to run the
                              file in: they hold if the script never controls them */
} lock_state;

static void release(lock_state *ls)
{
    for (size_t i = 0; i < ls->nheld; i++) {
        free(ls->held[i].schema);
        free(ls->held[i].name);
    }
    ls->nheld = 0;
    ls->aex_reported = false;
}

static held_lock *find_held(lock_state *ls, qname r)
{
    for (size_t i = 0; i < ls->nheld; i++)
        if (qname_match((qname){ls->held[i].schema, ls->held[i].name}, r))
            return &ls->held[i];
    return NULL;
}

/* Where a finding about the current transaction goes: kept, or held until the end. */
static finding_list *txn_findings(lint_ctx *c, lock_state *ls)
{
    return session_txn_assumed(c->sess) ? &ls->assumed : &c->s->findings;
}

/*
 * The lock rules of one unit: the timeouts (once per script), the same table locked
 * again, and work done while an ACCESS EXCLUSIVE lock is held (both within the
 * current transaction).
 */
static void check_locks(lint_ctx *c, lock_state *ls, const cJSON *node, bool in_txn)
{
    const unit_info *u = &c->f->units[c->unit];
    const lock_ref *first = NULL;
    size_t nlocks = 0;
    for (size_t i = 0; i < c->f->nlocks; i++) {
        const lock_ref *l = &c->f->locks[i];
        if (l->unit != c->unit)
            continue;
        nlocks++;
        if (!first && !created(c, l->rel))
            first = l;
    }
    if (u->lock_what && first) {
        char *name = qname_text(first->rel);
        if (!session_setting_nonzero(c->sess, "lock_timeout") && !ls->lock_reported) {
            ls->lock_reported = true;
            lint_report(c, RULE_MISSING_LOCK_TIMEOUT, first->location,
                        "%s on \"%s\" without lock_timeout set earlier in the script: while "
                        "it waits for its lock, every later query on the table queues behind "
                        "it; start the script with SET lock_timeout = '5s' (and retry on "
                        "failure)",
                        u->lock_what, name);
        }
        if (!session_setting_nonzero(c->sess, "statement_timeout") && !ls->statement_reported) {
            ls->statement_reported = true;
            lint_report(c, RULE_MISSING_STATEMENT_TIMEOUT, first->location,
                        "%s on \"%s\" without statement_timeout set earlier in the script: "
                        "nothing bounds how long it waits and holds its lock; start the "
                        "script with SET statement_timeout",
                        u->lock_what, name);
        }
        free(name);
    }
    if (!in_txn)
        return;
    /* work while an ACCESS EXCLUSIVE lock is held */
    const held_lock *aex = NULL;
    for (size_t i = 0; i < ls->nheld && !aex; i++)
        if (ls->held[i].access_exclusive)
            aex = &ls->held[i];
    bool again_only = u->lock_what && nlocks > 0;
    for (size_t i = 0; i < c->f->nlocks; i++)
        if (c->f->locks[i].unit == c->unit)
            again_only &= find_held(ls, c->f->locks[i].rel) != NULL;
    /* a validation of a held table is multiple-locks-same-table's */
    if (aex && !ls->aex_reported && does_work(c, node) &&
        !(again_only && validates_constraint(node))) {
        ls->aex_reported = true;
        char *name = qname_text((qname){aex->schema, aex->name});
        char *on = aex->index ? xasprintf("the table of index \"%s\"", name)
                              : xasprintf("\"%s\"", name);
        char *model = assumed_model(c);
        lint_report_to(c, txn_findings(c, ls), RULE_ACCESS_EXCLUSIVE_HELD, -1,
                       "%s runs while the ACCESS EXCLUSIVE lock on %s taken at line %d is "
                       "held: every query on it waits until the transaction ends%s; commit "
                       "the lock-taking statement first, or move this work to another "
                       "transaction",
                       stmt_name(node, u->lock_what), on, aex->line, model);
        free(model);
        free(on);
        free(name);
    }
    if (!u->lock_what)
        return;
    for (size_t i = 0; i < c->f->nlocks; i++) {
        const lock_ref *t = &c->f->locks[i];
        if (t->unit != c->unit || created(c, t->rel))
            continue;
        held_lock *h = find_held(ls, t->rel);
        if (h) {
            bool upgrade = t->access_exclusive && !h->access_exclusive;
            h->access_exclusive |= t->access_exclusive;
            if (h->by_lock_only && !u->lock_is_explicit) {
                h->by_lock_only = false;
                h->line = c->st->line;
                h->stmt = ls->nstmt;
                h->by_alter = u->lock_is_alter;
            } else if (!u->lock_is_explicit && !h->reported && h->stmt != ls->nstmt &&
                       (upgrade || validates_constraint(node))) {
                /* a lock the transaction already holds costs nothing more: only a
                   stronger one (waited for while holding the weaker) or a validation
                   scan under the earlier, stronger lock is worth a finding */
                h->reported = true;
                char *name = qname_text(t->rel);
                char *model = assumed_model(c);
                if (upgrade)
                    lint_report_to(c, txn_findings(c, ls), RULE_MULTIPLE_LOCKS_SAME_TABLE,
                                   t->location,
                                   "\"%s\", locked at line %d by a weaker lock, is now locked "
                                   "ACCESS EXCLUSIVE in the same transaction%s: the upgrade "
                                   "waits while holding the first lock, and deadlocks with a "
                                   "session doing the same; take the strongest lock first or "
                                   "run them in separate transactions",
                                   name, h->line, model);
                else
                    lint_report_to(c, txn_findings(c, ls), RULE_MULTIPLE_LOCKS_SAME_TABLE,
                                   t->location,
                                   "\"%s\" is validated in the transaction that locked it at "
                                   "line %d%s: the validation scan runs under that lock, "
                                   "blocking writes (or every query), which NOT VALID was meant "
                                   "to avoid; validate in a later transaction",
                                   name, h->line, model);
                free(model);
                free(name);
            }
            continue;
        }
        GROW(ls->held, ls->capheld, ls->nheld + 1);
        ls->held[ls->nheld++] = (held_lock){
            t->rel.schema ? xstrdup(t->rel.schema) : NULL, xstrdup(t->rel.name), c->st->line,
            ls->nstmt, u->lock_is_alter, t->access_exclusive, false, u->lock_is_explicit,
            str_is(u->lock_what, "DROP INDEX")};
    }
}

static void check_node(lint_ctx *c, lock_state *ls, const cJSON *node, bool in_txn)
{
    const char *kind = sql_node_kind(node);
    const cJSON *f = sql_node_fields(node);
    if (!kind || !f)
        return;
    const char *conc = concurrent_what(node);
    if (conc && session_in_block(c->sess))
        lint_report(c, RULE_CONCURRENTLY_IN_TRANSACTION, -1,
                    "%s inside the transaction block opened by the BEGIN at line %d fails: it "
                    "cannot run in a transaction block; run it outside BEGIN ... COMMIT%s%s",
                    conc, session_block_start(c->sess).line,
                    session_file_no_transaction(c->sess) ? "" : ", ",
                    session_file_no_transaction(c->sess) ? "" : outside(c));
    if (str_is(kind, PGN_AlterTableStmt)) {
        check_alter_table(c, f);
    } else if (str_is(kind, PGN_AlterTableMoveAllStmt)) {
        lint_report(c, RULE_TABLE_REWRITE, -1,
                    "ALTER ... ALL IN TABLESPACE copies every relation it moves under ACCESS "
                    "EXCLUSIVE locks, blocking reads and writes; move them during a "
                    "maintenance window");
    } else if (str_is(kind, PGN_IndexStmt)) {
        const cJSON *rv = field(f, PGF_relation);
        qname r = rangevar_qname(rv);
        if (!bool_field(f, PGF_concurrent) && r.name && !created(c, r) &&
            concurrently_possible(c)) {
            char *name = qname_text(r);
            lint_report(c, RULE_INDEX_NOT_CONCURRENTLY, location_of(rv),
                        "CREATE INDEX on \"%s\" without CONCURRENTLY blocks writes to the table "
                        "until the index is built; use CREATE INDEX CONCURRENTLY %s",
                        name, outside(c));
            free(name);
        }
    } else if (str_is(kind, PGN_DropStmt)) {
        check_drop(c, f);
    } else if (str_is(kind, PGN_ReindexStmt)) {
        check_reindex(c, f);
    } else if (str_is(kind, PGN_DropdbStmt)) {
        const char *db = str_field(f, PGF_dbname);
        if (db && !created(c, (qname){NULL, db}))
            lint_report(c, RULE_DROP_DATABASE, -1,
                        "dropping database \"%s\" deletes everything in it; make sure this "
                        "migration is meant to",
                        db);
    } else if (str_is(kind, PGN_RenameStmt)) {
        check_rename(c, f);
    } else if (str_is(kind, PGN_TruncateStmt)) {
        check_truncate(c, f);
    } else if (str_is(kind, PGN_VacuumStmt) || str_is(kind, PGN_ClusterStmt)) {
        check_vacuum_cluster(c, kind, f);
    } else if (str_is(kind, PGN_CreateDomainStmt) || str_is(kind, PGN_AlterDomainStmt)) {
        check_domain(c, kind, f);
    }
    check_locks(c, ls, node, in_txn);
}

/* ------------------------------------------------------------------ the module */

static void *locking_begin(lint_ctx *c)
{
    (void)c;
    return xcalloc(1, sizeof(lock_state));
}

static void locking_unit(lint_ctx *c, void *state)
{
    lock_state *ls = state;
    const unit_info *u = &c->f->units[c->unit];
    if (c->unit == 0)
        ls->nstmt++;
    if (session_controls_transactions(c->sess) && ls->assumed.count)
        finding_list_free(&ls->assumed); /* the script controls its transactions after all */
    if (session_txn_generation(c->sess) != ls->generation) {
        release(ls);
        ls->generation = session_txn_generation(c->sess);
    }
    /* BEGIN, COMMIT, ROLLBACK and PREPARE TRANSACTION only start and end transactions */
    if (u->txn == TXN_BEGIN || u->txn == TXN_COMMIT || u->txn == TXN_ROLLBACK ||
        u->txn == TXN_PREPARE)
        return;
    check_node(c, ls, c->st->parse.stmts[c->unit], session_in_transaction(c->sess));
}

static void locking_end(lint_ctx *c, void *state)
{
    lock_state *ls = state;
    if (!session_controls_transactions(c->sess))
        lint_keep(c, &ls->assumed);
}

static void locking_free(void *state)
{
    lock_state *ls = state;
    release(ls);
    free(ls->held);
    finding_list_free(&ls->assumed);
    free(ls);
}

const lint_checker locking_checker = {
    .begin = locking_begin, .unit = locking_unit, .end = locking_end, .free = locking_free};

