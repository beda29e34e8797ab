/*
 * ddl.c: what DDL statements mean, read off the statement's own node without
 * walking it (walk.c walks): the objects they create, alter, rename and drop, the
 * relations they lock and how strongly, the names they define, the bodies of
 * functions and DO blocks they hold, and the settings of ALTER ROLE / DATABASE.
 * Objects and locks are recorded for a unit's own statement (and the elements of a
 * CREATE SCHEMA), not for statements nested in rule actions or bodies: those do
 * not run when the script does.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/walker.h"
#include "base/util.h"


static obj_kind objtype_kind(const char *objtype)
{
    static const struct {
        const char *objtype;
        obj_kind kind;
    } map[] = {
        {"OBJECT_TABLE", OBJ_TABLE},       {"OBJECT_FOREIGN_TABLE", OBJ_FOREIGN_TABLE},
        {"OBJECT_VIEW", OBJ_VIEW},         {"OBJECT_MATVIEW", OBJ_MATVIEW},
        {"OBJECT_INDEX", OBJ_INDEX},       {"OBJECT_SEQUENCE", OBJ_SEQUENCE},
        {"OBJECT_SCHEMA", OBJ_SCHEMA},     {"OBJECT_FUNCTION", OBJ_FUNCTION},
        {"OBJECT_PROCEDURE", OBJ_PROCEDURE}, {"OBJECT_TYPE", OBJ_TYPE},
        {"OBJECT_DOMAIN", OBJ_DOMAIN},     {"OBJECT_EXTENSION", OBJ_EXTENSION},
        {"OBJECT_POLICY", OBJ_POLICY},     {"OBJECT_TRIGGER", OBJ_TRIGGER},
        {"OBJECT_RULE", OBJ_RULE},         {"OBJECT_ROLE", OBJ_ROLE},
        {"OBJECT_DATABASE", OBJ_DATABASE}, {"OBJECT_SUBSCRIPTION", OBJ_SUBSCRIPTION},
        {"OBJECT_TABLESPACE", OBJ_TABLESPACE}, {"OBJECT_STATISTIC_EXT", OBJ_STATISTICS},
        {"OBJECT_AGGREGATE", OBJ_AGGREGATE}, {"OBJECT_COLLATION", OBJ_COLLATION},
    };
    for (size_t i = 0; objtype && i < ARRAY_SIZE(map); i++)
        if (strcmp(map[i].objtype, objtype) == 0)
            return map[i].kind;
    return OBJ_OTHER;
}

/* ALTER TABLE subcommands that take less than ACCESS EXCLUSIVE (PostgreSQL 15). */
static bool weaker_than_aex(const cJSON *cmd)
{
    static const char *const weaker[] = {
        "AT_ValidateConstraint", "AT_SetStatistics",    "AT_SetOptions",
        "AT_ResetOptions",       "AT_SetRelOptions",    "AT_ResetRelOptions",
        "AT_ClusterOn",          "AT_DropCluster",      "AT_EnableTrig",
        "AT_EnableAlwaysTrig",   "AT_EnableReplicaTrig", "AT_DisableTrig",
        "AT_EnableTrigAll",      "AT_DisableTrigAll",   "AT_EnableTrigUser",
        "AT_DisableTrigUser",    "AT_AttachPartition",  "AT_DetachPartitionFinalize",
    };
    const char *sub = str_field(cmd, PGF_subtype);
    for (size_t i = 0; sub && i < ARRAY_SIZE(weaker); i++)
        if (strcmp(sub, weaker[i]) == 0)
            return true;
    if (str_is(sub, "AT_AddConstraint"))
        return str_is(str_field(field(field(cmd, PGF_def), PGN_Constraint), PGF_contype),
                      "CONSTR_FOREIGN");
    if (str_is(sub, "AT_DetachPartition"))
        return bool_field(field(field(cmd, PGF_def), PGN_PartitionCmd), PGF_concurrent);
    return false;
}

/* A FOREIGN KEY constraint's referenced table: locked SHARE ROW EXCLUSIVE. */
static bool lock_referenced(walker *w, const cJSON *con)
{
    if (!str_is(str_field(con, PGF_contype), "CONSTR_FOREIGN"))
        return false;
    const cJSON *pk = field(con, PGF_pktable);
    record_lock(w, rangevar_qname(pk), location_of(pk), false);
    return true;
}

/* The tables the foreign keys of CREATE TABLE's elements reference. */
static bool lock_referenced_by_elts(walker *w, const cJSON *elts)
{
    bool any = false;
    const cJSON *e, *con;
    cJSON_ArrayForEach(e, elts) {
        any |= lock_referenced(w, field(e, PGN_Constraint));
        cJSON_ArrayForEach(con, field(field(e, PGN_ColumnDef), PGF_constraints))
            any |= lock_referenced(w, field(con, PGN_Constraint));
    }
    return any;
}

/* The lock-taking DDL a unit's statement is, and the relations it locks. */
static void describe_locks(walker *w, pg_kind k, const cJSON *f)
{
    unit_info *u = &w->f->units[w->unit];
    const cJSON *it, *rv = field(f, PGF_relation);
    const char *what = NULL;
    switch (k) {
    case PGK_AlterTableStmt: {
        bool aex = false;
        cJSON_ArrayForEach(it, field(f, PGF_cmds)) {
            const cJSON *c = field(it, PGN_AlterTableCmd);
            aex |= c && !weaker_than_aex(c);
        }
        what = str_is(str_field(f, PGF_objtype), "OBJECT_INDEX") ? "ALTER INDEX" : "ALTER TABLE";
        u->lock_is_alter = true;
        record_lock(w, rangevar_qname(rv), location_of(rv), aex);
        cJSON_ArrayForEach(it, field(f, PGF_cmds)) {
            const cJSON *c = field(it, PGN_AlterTableCmd);
            const cJSON *def = field(c, PGF_def);
            if (str_is(str_field(c, PGF_subtype), "AT_AddConstraint"))
                lock_referenced(w, field(def, PGN_Constraint));
            else if (str_is(str_field(c, PGF_subtype), "AT_AddColumn")) {
                const cJSON *con;
                cJSON_ArrayForEach(con, field(field(def, PGN_ColumnDef), PGF_constraints))
                    lock_referenced(w, field(con, PGN_Constraint));
            }
        }
        break;
    }
    case PGK_CreateStmt: /* a new table's foreign keys lock the tables they reference */
        if (lock_referenced_by_elts(w, field(f, PGF_tableElts)))
            what = "CREATE TABLE ... REFERENCES";
        break;
    case PGK_RenameStmt:
        if (rv) {
            what = "ALTER TABLE ... RENAME";
            u->lock_is_alter = true;
            record_lock(w, rangevar_qname(rv), location_of(rv), true);
        }
        break;
    case PGK_IndexStmt:
        if (!bool_field(f, PGF_concurrent)) {
            what = "CREATE INDEX";
            record_lock(w, rangevar_qname(rv), location_of(rv), false); /* SHARE */
        }
        break;
    case PGK_DropStmt: {
        const char *rt = str_field(f, PGF_removeType);
        bool index = str_is(rt, "OBJECT_INDEX");
        if ((index && !bool_field(f, PGF_concurrent)) || str_is(rt, "OBJECT_TABLE") ||
            str_is(rt, "OBJECT_MATVIEW") || str_is(rt, "OBJECT_FOREIGN_TABLE")) {
            what = index ? "DROP INDEX" : "DROP TABLE";
            cJSON_ArrayForEach(it, field(f, PGF_objects)) {
                const cJSON *items = field(field(it, PGN_List), PGF_items);
                record_lock(w, list_qname(items ? items : it), -1, true);
            }
        }
        break;
    }
    case PGK_TruncateStmt:
    case PGK_LockStmt: {
        bool aex = true;
        if (k == PGK_LockStmt) {
            const cJSON *mode = field(f, PGF_mode);
            aex = !cJSON_IsNumber(mode) || mode->valuedouble >= 8;
            u->lock_is_explicit = true;
        }
        what = k == PGK_LockStmt ? "LOCK TABLE" : "TRUNCATE";
        cJSON_ArrayForEach(it, field(f, PGF_relations)) {
            const cJSON *r = field(it, PGN_RangeVar);
            record_lock(w, rangevar_qname(r), location_of(r), aex);
        }
        break;
    }
    case PGK_ReindexStmt:
        if (rv && !option_true(field(f, PGF_params), "concurrently")) {
            what = "REINDEX";
            record_lock(w, rangevar_qname(rv), location_of(rv), true);
        }
        break;
    case PGK_VacuumStmt:
        if (bool_field(f, PGF_is_vacuumcmd) && option_true(field(f, PGF_options), "full")) {
            what = "VACUUM FULL";
            cJSON_ArrayForEach(it, field(f, PGF_rels)) {
                const cJSON *r = field(field(it, PGN_VacuumRelation), PGF_relation);
                record_lock(w, rangevar_qname(r), location_of(r), true);
            }
        }
        break;
    case PGK_ClusterStmt:
        if (rv) {
            what = "CLUSTER";
            record_lock(w, rangevar_qname(rv), location_of(rv), true);
        }
        break;
    case PGK_CreateTrigStmt:
        what = "CREATE TRIGGER";
        record_lock(w, rangevar_qname(rv), location_of(rv), false); /* SHARE ROW EXCLUSIVE */
        break;
    default:
        break;
    }
    u->lock_what = what;
}

/* The relation a DROP of an object ON a table (policy, trigger, rule) is about. */
static qname drop_on_table(const cJSON *items, const char **object_name)
{
    int n = cJSON_GetArraySize(items);
    *object_name = list_str(items, n - 1);
    return (qname){n >= 3 ? list_str(items, n - 3) : NULL, n >= 2 ? list_str(items, n - 2) : NULL};
}

void ddl_drop(walker *w, const cJSON *f, bool record)
{
    const char *type = str_field(f, PGF_removeType);
    obj_kind kind = objtype_kind(type);
    bool schema = kind == OBJ_SCHEMA;
    /* DROP POLICY / TRIGGER / RULE name ON table: the list ends with the name */
    bool on_table = kind == OBJ_POLICY || kind == OBJ_TRIGGER || kind == OBJ_RULE;
    unsigned flags = (bool_field(f, PGF_missing_ok) ? OBJF_MISSING_OK : 0) |
                     (bool_field(f, PGF_concurrent) ? OBJF_CONCURRENTLY : 0);
    const cJSON *o;
    cJSON_ArrayForEach(o, field(f, PGF_objects)) {
        const cJSON *items = field(field(o, PGN_List), PGF_items);
        qname q = {0};
        if (items && on_table) {
            const char *name;
            qname table = drop_on_table(items, &name);
            if (table.name)
                walk_add_rel(w, table.schema, table.name, ACC_DEFINE, CLASS_DDL, -1, false);
            q = table;
            if (record) {
                obj_ref *r = walk_object(w, OBJ_DROP, kind, (qname){table.schema, name}, flags,
                                         -1, f);
                r->new_name = table.name; /* the table it is on */
            }
            continue;
        } else if (items && schema) {
            q = (qname){NULL, list_str(items, -1)};
            if (q.name)
                walk_add_rel(w, q.name, NULL, ACC_DEFINE, CLASS_DDL, -1, false);
        } else if (items) {
            q = list_qname(items);
            if (q.name) {
                int n = cJSON_GetArraySize(items);
                walk_add_rel(w, n >= 2 ? q.schema : NULL, q.name, ACC_DEFINE, CLASS_DDL, -1,
                             false);
            }
        } else if (schema && string_node(o)) {
            q = (qname){NULL, string_node(o)};
            walk_add_rel(w, q.name, NULL, ACC_DEFINE, CLASS_DDL, -1, false);
        } else if (string_node(o)) {
            q = (qname){NULL, string_node(o)}; /* DROP EXTENSION x, DROP TYPE x, ... */
        } else {
            q = list_qname(field(field(o, PGN_ObjectWithArgs), PGF_objname));
            if (!q.name)
                q = list_qname(field(field(o, PGN_TypeName), PGF_names));
        }
        if (record && q.name)
            walk_object(w, OBJ_DROP, kind, q, flags, -1, f);
    }
}

void ddl_select_into(walker *w, const cJSON *select, const cJSON *into)
{
    const cJSON *rv = field(into, PGF_rel);
    walk_defined(w, str_field(rv, PGF_relname));
    const cJSON *n;
    cJSON_ArrayForEach(n, field(into, PGF_colNames))
        walk_defined(w, string_node(n));
    if (!w->plan_only && w->body < 0 && select == w->f->units[w->unit].node)
        walk_object(w, OBJ_CREATE, OBJ_TABLE, rangevar_qname(rv),
                    str_is(str_field(rv, PGF_relpersistence), "t") ? OBJF_TEMP : 0,
                    location_of(rv), select);
}

void ddl_dcl(walker *w, pg_kind k, const cJSON *f)
{
    bool record = w->body < 0 && f == w->f->units[w->unit].node;
    if (k == PGK_CreateRoleStmt) {
        walk_defined(w, str_field(f, PGF_role));
        if (record)
            walk_object(w, OBJ_CREATE, OBJ_ROLE, (qname){NULL, str_field(f, PGF_role)}, 0, -1, f);
    } else if (k == PGK_AlterRoleSetStmt) {
        walk_variable_set(w, field(f, PGF_setstmt), SCOPE_ROLE_DB, walk_unit_loc(w));
    } else if (k == PGK_DropRoleStmt && record) {
        const cJSON *r;
        cJSON_ArrayForEach(r, field(f, PGF_roles)) {
            walk_object(w, OBJ_DROP, OBJ_ROLE,
                        (qname){NULL, str_field(field(r, PGN_RoleSpec), PGF_rolename)},
                        bool_field(f, PGF_missing_ok) ? OBJF_MISSING_OK : 0, -1, f);
        }
    }
}

/* The flags of a CREATE: IF NOT EXISTS, OR REPLACE, TEMPORARY. */
static unsigned create_flags(const cJSON *f, const cJSON *rv)
{
    return (bool_field(f, PGF_if_not_exists) ? OBJF_IF_NOT_EXISTS : 0) |
           (bool_field(f, PGF_replace) ? OBJF_OR_REPLACE : 0) |
           (str_is(str_field(rv, PGF_relpersistence), "t") ? OBJF_TEMP : 0);
}

/* A type as written, for a routine's signature: pg_catalog. (what the grammar adds to
   int, integer, ...) dropped, so int, integer and int4 read the same. */
static void add_type(strbuf *sb, const cJSON *tn)
{
    const cJSON *names = field(tn, PGF_names), *n;
    int i = 0, count = cJSON_GetArraySize(names);
    bool dot = false;
    cJSON_ArrayForEach(n, names) {
        const char *part = string_node(n);
        if (i++ == 0 && count > 1 && str_is(part, "pg_catalog"))
            continue;
        sb_addf(sb, "%s%s", dot ? "." : "", part ? part : "?");
        dot = true;
    }
    if (bool_field(tn, PGF_pct_type))
        sb_adds(sb, "%type");
    for (int k = cJSON_GetArraySize(field(tn, PGF_arrayBounds)); k > 0; k--)
        sb_adds(sb, "[]");
}

/* FunctionParameter nodes as "(mode name type, ...)" (defaults left out). */
static void add_parameters(strbuf *sb, const cJSON *params)
{
    static const struct {
        const char *mode, *word;
    } modes[] = {{"FUNC_PARAM_OUT", "out "}, {"FUNC_PARAM_INOUT", "inout "},
                 {"FUNC_PARAM_VARIADIC", "variadic "}, {"FUNC_PARAM_TABLE", "table "}};
    const cJSON *p;
    bool first = true;
    cJSON_ArrayForEach(p, params) {
        const cJSON *fp = field(p, PGN_FunctionParameter);
        if (!fp)
            continue;
        sb_adds(sb, first ? "" : ",");
        first = false;
        const char *mode = str_field(fp, PGF_mode);
        for (size_t i = 0; mode && i < ARRAY_SIZE(modes); i++)
            if (strcmp(modes[i].mode, mode) == 0)
                sb_adds(sb, modes[i].word);
        const char *name = str_field(fp, PGF_name);
        if (name)
            sb_addf(sb, "%s ", name);
        add_type(sb, field(fp, PGF_argType));
    }
}

/*
 * The signature of a CREATE FUNCTION / PROCEDURE / AGGREGATE as written, which with
 * its name tells whether a later CREATE OR REPLACE is about the same routine; in the
 * facts' arena. An old-style aggregate (BASETYPE = t) reads as the new style (t).
 * Parameter names count (pgspot's reading: PostgreSQL refuses to rename a
 * parameter, so a CREATE OR REPLACE that does is not the script's routine either).
 */
static const char *routine_args(walker *w, pg_kind k, const cJSON *f)
{
    strbuf sb = {0};
    sb_adds(&sb, "(");
    if (k == PGK_CreateFunctionStmt) {
        add_parameters(&sb, field(f, PGF_parameters));
    } else if (bool_field(f, PGF_oldstyle)) {
        const cJSON *base = find_option(field(f, PGF_definition), "basetype");
        if (base)
            add_type(&sb, field(field(base, PGF_arg), PGN_TypeName));
    } else {
        /* direct and aggregated arguments alike: PostgreSQL identifies an ordered-set
           aggregate by all its argument types (the tree does not tell (int) from
           (ORDER BY int) either) */
        const cJSON *args = field(f, PGF_args);
        add_parameters(&sb, field(field(cJSON_GetArrayItem(args, 0), PGN_List), PGF_items));
    }
    sb_adds(&sb, ")");
    char *text = sb_detach(&sb, NULL);
    const char *kept = facts_strdup(w->f, text);
    free(text);
    return kept;
}

/* What a CREATE, ALTER, RENAME or simple DROP of kind k records as its object. */
static void record_object(walker *w, pg_kind k, const cJSON *f)
{
    const cJSON *rv = field(f, PGF_relation);
    switch (k) {
    case PGK_CreateStmt:
        walk_object(w, OBJ_CREATE, OBJ_TABLE, rangevar_qname(rv), create_flags(f, rv),
                    location_of(rv), f);
        break;
    case PGK_CreateForeignTableStmt: {
        const cJSON *base = field(f, PGF_base);
        rv = field(base, PGF_relation);
        walk_object(w, OBJ_CREATE, OBJ_FOREIGN_TABLE, rangevar_qname(rv),
                    create_flags(base, rv), location_of(rv), f);
        break;
    }
    case PGK_CreateTableAsStmt: {
        rv = field(field(f, PGF_into), PGF_rel);
        bool matview = str_is(str_field(f, PGF_objtype), "OBJECT_MATVIEW");
        walk_object(w, OBJ_CREATE, matview ? OBJ_MATVIEW : OBJ_TABLE, rangevar_qname(rv),
                    create_flags(f, rv), location_of(rv), f);
        break;
    }
    case PGK_ViewStmt:
        rv = field(f, PGF_view);
        walk_object(w, OBJ_CREATE, OBJ_VIEW, rangevar_qname(rv), create_flags(f, rv),
                    location_of(rv), f);
        break;
    case PGK_IndexStmt:
        walk_object(w, OBJ_CREATE, OBJ_INDEX,
                    (qname){str_field(rv, PGF_schemaname), str_field(f, PGF_idxname)},
                    create_flags(f, NULL) | (bool_field(f, PGF_concurrent) ? OBJF_CONCURRENTLY : 0),
                    location_of(rv), f);
        break;
    case PGK_CreateSeqStmt:
        rv = field(f, PGF_sequence);
        walk_object(w, OBJ_CREATE, OBJ_SEQUENCE, rangevar_qname(rv), create_flags(f, rv),
                    location_of(rv), f);
        break;
    case PGK_CreateFunctionStmt:
        walk_object(w, OBJ_CREATE, bool_field(f, PGF_is_procedure) ? OBJ_PROCEDURE : OBJ_FUNCTION,
                    list_qname(field(f, PGF_funcname)), create_flags(f, NULL), -1, f)
            ->args = routine_args(w, k, f);
        break;
    case PGK_AlterFunctionStmt:
        walk_object(w, OBJ_ALTER, OBJ_FUNCTION,
                    list_qname(field(field(f, PGF_func), PGF_objname)), 0, -1, f);
        break;
    case PGK_CreateEnumStmt:
        walk_object(w, OBJ_CREATE, OBJ_ENUM, list_qname(field(f, PGF_typeName)), 0, -1, f);
        break;
    case PGK_AlterEnumStmt:
        walk_object(w, OBJ_ALTER, OBJ_ENUM, list_qname(field(f, PGF_typeName)), 0, -1, f);
        break;
    case PGK_CreateDomainStmt:
        walk_object(w, OBJ_CREATE, OBJ_DOMAIN, list_qname(field(f, PGF_domainname)), 0, -1, f);
        break;
    case PGK_AlterDomainStmt:
        walk_object(w, OBJ_ALTER, OBJ_DOMAIN, list_qname(field(f, PGF_typeName)), 0, -1, f);
        break;
    case PGK_CompositeTypeStmt:
        rv = field(f, PGF_typevar);
        walk_object(w, OBJ_CREATE, OBJ_TYPE, rangevar_qname(rv), 0, location_of(rv), f);
        break;
    case PGK_CreateRangeStmt:
        walk_object(w, OBJ_CREATE, OBJ_TYPE, list_qname(field(f, PGF_typeName)), 0, -1, f);
        break;
    case PGK_DefineStmt: {
        obj_ref *o = walk_object(w, OBJ_CREATE, objtype_kind(str_field(f, PGF_kind)),
                                 list_qname(field(f, PGF_defnames)), create_flags(f, NULL), -1, f);
        if (o->kind == OBJ_AGGREGATE)
            o->args = routine_args(w, k, f);
        break;
    }
    case PGK_CreateExtensionStmt:
        walk_object(w, OBJ_CREATE, OBJ_EXTENSION, (qname){NULL, str_field(f, PGF_extname)},
                    create_flags(f, NULL), -1, f);
        break;
    case PGK_CreatePolicyStmt:
    case PGK_AlterPolicyStmt: {
        const cJSON *t = field(f, PGF_table);
        obj_ref *o = walk_object(w, k == PGK_CreatePolicyStmt ? OBJ_CREATE : OBJ_ALTER,
                                 OBJ_POLICY,
                                 (qname){str_field(t, PGF_schemaname), str_field(f, PGF_policy_name)},
                                 0, location_of(t), f);
        o->new_name = str_field(t, PGF_relname); /* the table it is on */
        break;
    }
    case PGK_CreateTrigStmt:
        walk_object(w, OBJ_CREATE, OBJ_TRIGGER,
                    (qname){str_field(rv, PGF_schemaname), str_field(f, PGF_trigname)},
                    create_flags(f, NULL), location_of(rv), f);
        break;
    case PGK_RuleStmt:
        walk_object(w, OBJ_CREATE, OBJ_RULE,
                    (qname){str_field(rv, PGF_schemaname), str_field(f, PGF_rulename)},
                    create_flags(f, NULL), location_of(rv), f);
        break;
    case PGK_CreatedbStmt:
        walk_object(w, OBJ_CREATE, OBJ_DATABASE, (qname){NULL, str_field(f, PGF_dbname)}, 0, -1, f);
        break;
    case PGK_DropdbStmt:
        walk_object(w, OBJ_DROP, OBJ_DATABASE, (qname){NULL, str_field(f, PGF_dbname)},
                    bool_field(f, PGF_missing_ok) ? OBJF_MISSING_OK : 0, -1, f);
        break;
    case PGK_DropTableSpaceStmt:
        walk_object(w, OBJ_DROP, OBJ_TABLESPACE, (qname){NULL, str_field(f, PGF_tablespacename)},
                    bool_field(f, PGF_missing_ok) ? OBJF_MISSING_OK : 0, -1, f);
        break;
    case PGK_CreateSubscriptionStmt:
    case PGK_AlterSubscriptionStmt:
    case PGK_DropSubscriptionStmt:
        walk_object(w, k == PGK_CreateSubscriptionStmt ? OBJ_CREATE
                       : k == PGK_AlterSubscriptionStmt ? OBJ_ALTER : OBJ_DROP,
                    OBJ_SUBSCRIPTION, (qname){NULL, str_field(f, PGF_subname)},
                    bool_field(f, PGF_missing_ok) ? OBJF_MISSING_OK : 0, -1, f);
        break;
    case PGK_CreateStatsStmt:
        walk_object(w, OBJ_CREATE, OBJ_STATISTICS, list_qname(field(f, PGF_defnames)),
                    create_flags(f, NULL), -1, f);
        break;
    case PGK_AlterTableStmt:
        walk_object(w, OBJ_ALTER, objtype_kind(str_field(f, PGF_objtype)), rangevar_qname(rv), 0,
                    location_of(rv), f);
        break;
    case PGK_RenameStmt: {
        obj_kind kind = objtype_kind(str_field(f, PGF_renameType));
        const cJSON *obj = field(f, PGF_object);
        qname q = rv ? rangevar_qname(rv)
                : field(obj, PGN_List) ? list_qname(field(field(obj, PGN_List), PGF_items))
                : list_qname(field(field(obj, PGN_ObjectWithArgs), PGF_objname));
        obj_ref *o = walk_object(w, OBJ_RENAME, kind, q, 0, location_of(rv), f);
        o->new_name = str_field(f, PGF_newname);
        break;
    }
    default:
        break;
    }
}

/* The names a statement of kind k defines (identifier-too-long). */
static void defined_names(walker *w, pg_kind k, const cJSON *f)
{
    static const struct {
        pg_kind kind;
        const char *field;
        bool list;
    } names[] = {
        {PGK_IndexStmt, PGF_idxname, false},          {PGK_RenameStmt, PGF_newname, false},
        {PGK_CreateTrigStmt, PGF_trigname, false},    {PGK_CreateEventTrigStmt, PGF_trigname, false},
        {PGK_CreatePolicyStmt, PGF_policy_name, false}, {PGK_CreateExtensionStmt, PGF_extname, false},
        {PGK_RuleStmt, PGF_rulename, false},          {PGK_CreatedbStmt, PGF_dbname, false},
        {PGK_CreatePublicationStmt, PGF_pubname, false},
        {PGK_CreateSubscriptionStmt, PGF_subname, false},
        {PGK_CreateTableSpaceStmt, PGF_tablespacename, false},
        {PGK_CreateFunctionStmt, PGF_funcname, true}, {PGK_CreateEnumStmt, PGF_typeName, true},
        {PGK_CreateRangeStmt, PGF_typeName, true},    {PGK_CreateDomainStmt, PGF_domainname, true},
        {PGK_DefineStmt, PGF_defnames, true},         {PGK_CreateStatsStmt, PGF_defnames, true},
    };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (names[i].kind == k)
            walk_defined(w, names[i].list ? list_str(field(f, names[i].field), -1)
                                          : str_field(f, names[i].field));
    switch (k) {
    case PGK_CreateStmt:
        walk_defined(w, str_field(field(f, PGF_relation), PGF_relname));
        break;
    case PGK_CreateForeignTableStmt:
        walk_defined(w, str_field(field(field(f, PGF_base), PGF_relation), PGF_relname));
        break;
    case PGK_CreateSeqStmt:
        walk_defined(w, str_field(field(f, PGF_sequence), PGF_relname));
        break;
    case PGK_CompositeTypeStmt:
        walk_defined(w, str_field(field(f, PGF_typevar), PGF_relname));
        break;
    case PGK_ViewStmt: {
        walk_defined(w, str_field(field(f, PGF_view), PGF_relname));
        const cJSON *n;
        cJSON_ArrayForEach(n, field(f, PGF_aliases))
            walk_defined(w, string_node(n));
        break;
    }
    case PGK_CreateTableAsStmt: {
        const cJSON *into = field(f, PGF_into), *n;
        walk_defined(w, str_field(field(into, PGF_rel), PGF_relname));
        cJSON_ArrayForEach(n, field(into, PGF_colNames))
            walk_defined(w, string_node(n));
        break;
    }
    default:
        break;
    }
}


/* CREATE SCHEMA: the schema defined, and the tables its elements create there. */
void ddl_create_schema(walker *w, const cJSON *f, bool record)
{
    const char *name = str_field(f, PGF_schemaname);
    if (!name)
        name = str_field(field(f, PGF_authrole), PGF_rolename);
    if (name)
        walk_add_rel(w, name, NULL, ACC_DEFINE, CLASS_DDL, -1, false);
    walk_defined(w, str_field(f, PGF_schemaname));
    if (record && name)
        walk_object(w, OBJ_CREATE, OBJ_SCHEMA, (qname){NULL, name},
                    bool_field(f, PGF_if_not_exists) ? OBJF_IF_NOT_EXISTS : 0, -1, f);
    const cJSON *e;
    cJSON_ArrayForEach(e, field(f, PGF_schemaElts)) {
        /* its CREATE TABLE elements go in the new schema (named in the parent only) */
        const cJSON *cs = field(e, PGN_CreateStmt);
        const cJSON *rv = field(cs, PGF_relation);
        if (record && cs && str_field(rv, PGF_relname)) {
            const char *sn = str_field(rv, PGF_schemaname);
            walk_object(w, OBJ_CREATE, OBJ_TABLE,
                        (qname){sn ? sn : name, str_field(rv, PGF_relname)},
                        OBJF_SCHEMA_ELEMENT, location_of(rv), cs);
        }
    }
}

/* What a DDL statement creates, alters or drops (when it is the unit's own), the
   relations it locks, and the names it defines. */
void ddl_describe(walker *w, pg_kind k, const cJSON *f, bool own)
{
    defined_names(w, k, f);
    if (own) {
        record_object(w, k, f);
        describe_locks(w, k, f);
    }
}

/* ------------------------------------------------------------------ bodies */

/* The SET search_path of a function's options (a VariableSetStmt's fields), or NULL. */
static const cJSON *search_path_clause(const cJSON *opts)
{
    const cJSON *o;
    cJSON_ArrayForEach(o, opts) {
        const cJSON *d = field(o, PGN_DefElem);
        const cJSON *vs = field(field(d, PGF_arg), PGN_VariableSetStmt);
        if (str_is(str_field(d, PGF_defname), "set") &&
            str_is(str_field(vs, PGF_name), "search_path"))
            return vs;
    }
    return NULL;
}


/*
 * The search_path a function's code starts with: its SET search_path clause (a
 * VariableSetStmt's fields, or NULL), or without one its caller's, which nothing
 * in the script pins.
 */
static int function_path(walker *w, const cJSON *clause)
{
    const char *kind = str_field(clause, PGF_kind);
    if (str_is(kind, "VAR_SET_CURRENT"))
        return walk_current_path(w);
    if (!str_is(kind, "VAR_SET_VALUE"))
        return facts_add_path(w->f, false, NULL, 0,
                              clause ? "the function resets search_path to its caller's default"
                                     : "the function has no SET search_path, so it runs with "
                                       "its caller's");
    const cJSON *args = field(clause, PGF_args), *a;
    size_t n = 0, cap = (size_t)cJSON_GetArraySize(args);
    const char **elts = facts_alloc(w->f, (cap ? cap : 1) * sizeof(char *));
    cJSON_ArrayForEach(a, args) {
        const char *v = const_string(a);
        if (!v)
            return facts_add_path(w->f, false, NULL, 0,
                                  "its SET search_path is a value pgward cannot see");
        elts[n++] = v;
    }
    return facts_add_path(w->f, n > 0, elts, n, "its SET search_path names no schema");
}

/* Where the body string starts in the statement text (searched after the AS), or -1. */
static long body_offset(const walker *w, const cJSON *as, const char *text)
{
    long loc = walk_loc(w, location_of(as));
    const unit_info *u = &w->f->units[w->unit];
    size_t end = u->offset + u->length;
    const char *t = w->f->st->text;
    if (loc < 0 || !text || !*text || (size_t)loc > end)
        return -1;
    const char *hit = strstr(t + loc, text);
    if (!hit || (size_t)(hit - t) + strlen(text) > end)
        return -1;
    return (long)(hit - t);
}


int ddl_body(walker *w, pg_kind k, const cJSON *f)
{
    stmt_facts *facts = w->f;
    bool is_do = k == PGK_DoStmt;
    const cJSON *opts = field(f, is_do ? PGF_args : PGF_options);
    body_info *b = FACTS_PUSH(facts->bodies, facts->nbodies, facts->capbodies);
    size_t index = facts->nbodies - 1;
    b->is_do = is_do;
    b->node = f;
    b->unit = w->unit;
    b->parent = w->body;
    b->depth = w->body < 0 ? 0 : facts->bodies[w->body].depth + 1;
    const cJSON *lang = find_option(opts, "language");
    b->language = lang ? string_node(field(lang, PGF_arg)) : is_do ? "plpgsql" : NULL;
    const cJSON *as = find_option(opts, "as");
    const cJSON *arg = field(as, PGF_arg);
    const cJSON *items = field(field(arg, PGN_List), PGF_items);
    b->text = string_node(items ? cJSON_GetArrayItem(items, 0) : arg);
    b->offset = body_offset(w, as, b->text);
    const cJSON *sec = find_option(opts, "security");
    b->security_definer = bool_field(field(field(sec, PGF_arg), PGN_Boolean), PGF_boolval);
    const cJSON *clause = search_path_clause(opts);
    const char *pin = str_field(clause, PGF_kind);
    b->pins_search_path = str_is(pin, "VAR_SET_VALUE") || str_is(pin, "VAR_SET_CURRENT");
    b->entry_path = is_do ? w->path : function_path(w, clause);
    b->lang = !b->language ? BODY_OTHER
              : ascii_strcasecmp(b->language, "sql") == 0     ? BODY_SQL
              : ascii_strcasecmp(b->language, "plpgsql") == 0 ? BODY_PLPGSQL
                                                               : BODY_OTHER;
    if (!w->sql) {
        const unit_info *u = &facts->units[w->unit];
        b->stmt_sql = facts->st->text + u->offset;
        b->stmt_len = u->length;
        b->line_base = (long)u->offset;
    } else {
        b->stmt_sql = w->sql;
        b->stmt_len = w->sql_len;
        b->line_base = w->sql_base;
    }
    if (field(f, PGF_sql_body)) {
        /* BEGIN ATOMIC / RETURN: in this very tree (the walk walks it) */
        b->atomic = b->parsed = true;
        b->lang = BODY_SQL;
    }
    return (int)index;
}

