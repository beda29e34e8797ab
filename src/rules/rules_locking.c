/*
 * rules_locking.c: migration safety: locks, table rewrites and destructive DDL;
 * see rules_locking.h.
 *
 * One pass over the script's statements, in order, keeping:
 *   - the relations (and indexes, domains, databases) the script created so far:
 *     nothing here fires on them (they are new and empty, nobody else uses them);
 *   - whether lock_timeout / statement_timeout were set so far;
 *   - the current transaction: an explicit BEGIN ... COMMIT/ROLLBACK, or, in a
 *     script without BEGIN, the whole script (pgward apply runs a file in one
 *     transaction; a file marked no-transaction runs each statement on its own):
 *     the pre-existing tables locked in it, and the ACCESS EXCLUSIVE locks held.
 * Relations are matched by schema and name when both sides are qualified, else by
 * name. Version-dependent behaviour follows cfg->pg_version (0 = 15).
 */
#include "rules/rules_locking.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules/lint.h"
#include "pg_catalog_functions.h"
#include "parse/pgnode.h"
#include "rules/txn_rules.h"
#include "base/util.h"

/* ------------------------------------------------------------------ json helpers */

/* The sval of a String node, or NULL. */
static const char *string_node(const cJSON *n)
{
    return str_field(field(n, PGN_String), PGF_sval);
}

/* A boolean option as defGetBoolean() reads it (no argument: true). */
static bool option_true(const cJSON *list, const char *name)
{
    const cJSON *d = find_option(list, name);
    if (!d)
        return false;
    const cJSON *arg = field(d, PGF_arg);
    if (!arg)
        return true;
    const cJSON *i = field(arg, PGN_Integer);
    if (i) {
        const cJSON *v = field(i, PGF_ival);
        return cJSON_IsNumber(v) && v->valuedouble != 0;
    }
    const cJSON *b = field(arg, PGN_Boolean);
    if (b)
        return bool_field(b, PGF_boolval);
    const char *s = string_node(arg);
    return !(s && (strcasecmp(s, "false") == 0 || strcasecmp(s, "off") == 0));
}

/* ------------------------------------------------------------------ volatility */

/* pg_catalog functions with provolatile = 'v' in PostgreSQL 15's postgres.bki (any overload). */
static const char *const volatile_functions[] = {
    "RI_FKey_cascade_del", "RI_FKey_cascade_upd", "RI_FKey_check_ins", "RI_FKey_check_upd",
    "RI_FKey_noaction_del", "RI_FKey_noaction_upd", "RI_FKey_restrict_del",
    "RI_FKey_restrict_upd", "RI_FKey_setdefault_del", "RI_FKey_setdefault_upd",
    "RI_FKey_setnull_del", "RI_FKey_setnull_upd", "amvalidate", "bernoulli",
    "binary_upgrade_create_empty_extension", "binary_upgrade_set_missing_value",
    "binary_upgrade_set_next_array_pg_type_oid", "binary_upgrade_set_next_heap_pg_class_oid",
    "binary_upgrade_set_next_heap_relfilenode", "binary_upgrade_set_next_index_pg_class_oid",
    "binary_upgrade_set_next_index_relfilenode",
    "binary_upgrade_set_next_multirange_array_pg_type_oid",
    "binary_upgrade_set_next_multirange_pg_type_oid", "binary_upgrade_set_next_pg_authid_oid",
    "binary_upgrade_set_next_pg_enum_oid", "binary_upgrade_set_next_pg_tablespace_oid",
    "binary_upgrade_set_next_pg_type_oid", "binary_upgrade_set_next_toast_pg_class_oid",
    "binary_upgrade_set_next_toast_relfilenode", "binary_upgrade_set_record_init_privs",
    "brin_desummarize_range", "brin_summarize_new_values", "brin_summarize_range",
    "brinhandler", "bthandler", "clock_timestamp", "current_query", "currtid2", "currval",
    "cursor_to_xml", "cursor_to_xmlschema", "gen_random_uuid", "gin_clean_pending_list",
    "ginhandler", "gisthandler", "hashhandler", "heap_tableam_handler", "lastval", "lo_close",
    "lo_creat", "lo_create", "lo_export", "lo_from_bytea", "lo_get", "lo_import", "lo_lseek",
    "lo_lseek64", "lo_open", "lo_put", "lo_tell", "lo_tell64", "lo_truncate", "lo_truncate64",
    "lo_unlink", "loread", "lowrite", "nextval", "pg_advisory_lock", "pg_advisory_lock_shared",
    "pg_advisory_unlock", "pg_advisory_unlock_all", "pg_advisory_unlock_shared",
    "pg_advisory_xact_lock", "pg_advisory_xact_lock_shared", "pg_backup_start",
    "pg_backup_stop", "pg_blocking_pids", "pg_cancel_backend", "pg_collation_actual_version",
    "pg_control_checkpoint", "pg_control_init", "pg_control_recovery", "pg_control_system",
    "pg_copy_logical_replication_slot", "pg_copy_physical_replication_slot",
    "pg_create_logical_replication_slot", "pg_create_physical_replication_slot",
    "pg_create_restore_point", "pg_current_logfile", "pg_current_wal_flush_lsn",
    "pg_current_wal_insert_lsn", "pg_current_wal_lsn", "pg_database_collation_actual_version",
    "pg_database_size", "pg_drop_replication_slot", "pg_export_snapshot",
    "pg_extension_config_dump", "pg_get_backend_memory_contexts", "pg_get_multixact_members",
    "pg_get_shmem_allocations", "pg_get_wal_replay_pause_state",
    "pg_get_wal_resource_managers", "pg_hba_file_rules", "pg_ident_file_mappings",
    "pg_import_system_collations", "pg_indexes_size", "pg_is_in_recovery",
    "pg_is_wal_replay_paused", "pg_isolation_test_session_is_blocked", "pg_jit_available",
    "pg_last_committed_xact", "pg_last_wal_receive_lsn", "pg_last_wal_replay_lsn",
    "pg_last_xact_replay_timestamp", "pg_lock_status", "pg_log_backend_memory_contexts",
    "pg_logical_emit_message", "pg_logical_slot_get_binary_changes",
    "pg_logical_slot_get_changes", "pg_logical_slot_peek_binary_changes",
    "pg_logical_slot_peek_changes", "pg_ls_archive_statusdir", "pg_ls_dir", "pg_ls_logdir",
    "pg_ls_logicalmapdir", "pg_ls_logicalsnapdir", "pg_ls_replslotdir", "pg_ls_tmpdir",
    "pg_ls_waldir", "pg_nextoid", "pg_notification_queue_usage", "pg_notify",
    "pg_partition_ancestors", "pg_partition_tree", "pg_prepared_xact", "pg_promote",
    "pg_read_binary_file", "pg_read_file", "pg_read_file_old", "pg_relation_size",
    "pg_reload_conf", "pg_replication_origin_advance", "pg_replication_origin_create",
    "pg_replication_origin_drop", "pg_replication_origin_progress",
    "pg_replication_origin_session_is_setup", "pg_replication_origin_session_progress",
    "pg_replication_origin_session_reset", "pg_replication_origin_session_setup",
    "pg_replication_origin_xact_reset", "pg_replication_origin_xact_setup",
    "pg_replication_slot_advance", "pg_rotate_logfile", "pg_rotate_logfile_old",
    "pg_safe_snapshot_blocking_pids", "pg_sequence_last_value", "pg_show_all_file_settings",
    "pg_show_replication_origin_status", "pg_sleep", "pg_sleep_for", "pg_sleep_until",
    "pg_stat_clear_snapshot", "pg_stat_file", "pg_stat_force_next_flush",
    "pg_stat_get_recovery_prefetch", "pg_stat_get_xact_blocks_fetched",
    "pg_stat_get_xact_blocks_hit", "pg_stat_get_xact_function_calls",
    "pg_stat_get_xact_function_self_time", "pg_stat_get_xact_function_total_time",
    "pg_stat_get_xact_numscans", "pg_stat_get_xact_tuples_deleted",
    "pg_stat_get_xact_tuples_fetched", "pg_stat_get_xact_tuples_hot_updated",
    "pg_stat_get_xact_tuples_inserted", "pg_stat_get_xact_tuples_returned",
    "pg_stat_get_xact_tuples_updated", "pg_stat_have_stats", "pg_stat_reset",
    "pg_stat_reset_replication_slot", "pg_stat_reset_shared",
    "pg_stat_reset_single_function_counters", "pg_stat_reset_single_table_counters",
    "pg_stat_reset_slru", "pg_stat_reset_subscription_stats", "pg_stop_making_pinned_objects",
    "pg_switch_wal", "pg_table_size", "pg_tablespace_size", "pg_terminate_backend",
    "pg_total_relation_size", "pg_try_advisory_lock", "pg_try_advisory_lock_shared",
    "pg_try_advisory_xact_lock", "pg_try_advisory_xact_lock_shared", "pg_wal_replay_pause",
    "pg_wal_replay_resume", "pg_xact_commit_timestamp", "pg_xact_commit_timestamp_origin",
    "pg_xact_status", "query_to_xml", "query_to_xml_and_xmlschema", "query_to_xmlschema",
    "random", "set_config", "setseed", "setval", "spghandler",
    "suppress_redundant_updates_trigger", "system", "timeofday", "ts_rewrite", "ts_stat",
    "tsvector_update_trigger", "tsvector_update_trigger_column", "txid_status",
    "unique_key_recheck",
};

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
           !in_list(name, volatile_functions, ARRAY_SIZE(volatile_functions));
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

/* ------------------------------------------------------------------ relations */

typedef struct relname {
    const char *schema; /* NULL: unqualified */
    const char *name;
} relname;

static relname rangevar(const cJSON *rv)
{
    return (relname){str_field(rv, PGF_schemaname), str_field(rv, PGF_relname)};
}

/* A name list (DROP's objects, a domain's name): the last item, and the one before. */
static relname name_list(const cJSON *list)
{
    const cJSON *items = field(field(list, PGN_List), PGF_items);
    if (!items)
        items = list;
    int n = cJSON_GetArraySize(items);
    relname r = {NULL, NULL};
    if (n > 0)
        r.name = string_node(cJSON_GetArrayItem(items, n - 1));
    if (n > 1)
        r.schema = string_node(cJSON_GetArrayItem(items, n - 2));
    return r;
}

static bool rel_match(relname a, relname b)
{
    if (!a.name || !b.name || strcmp(a.name, b.name) != 0)
        return false;
    return !a.schema || !b.schema || strcmp(a.schema, b.schema) == 0;
}

/* "schema.name" or "name", malloc'd. */
static char *rel_text(relname r)
{
    return r.schema ? xasprintf("%s.%s", r.schema, r.name ? r.name : "?")
                    : xstrdup(r.name ? r.name : "?");
}

/* ------------------------------------------------------------------ state */

enum { TIMEOUT_UNSET, TIMEOUT_SESSION, TIMEOUT_LOCAL };

/* A pre-existing relation locked in the current transaction. */
typedef struct held_lock {
    relname rel;
    const statement *st;  /* the first statement that locked it */
    bool by_alter;        /* ... was an ALTER TABLE */
    bool access_exclusive;
    bool reported;        /* multiple-locks-same-table said so already */
    bool by_lock_only;    /* only LOCK TABLE so far: a later statement is not "again" */
} held_lock;

typedef struct lock_state {
    const lint_config *cfg;
    script *s;
    int pg;                    /* target major version */
    relname *created;          /* relations, indexes, domains, databases the script created */
    size_t ncreated, capcreated;
    held_lock *held;           /* the current transaction's locks */
    size_t nheld, capheld;
    bool aex_reported;         /* access-exclusive-held said so in this transaction */
    bool whole_script;         /* no BEGIN anywhere: the script is one transaction */
    bool explicit_txn;         /* inside BEGIN ... COMMIT */
    const statement *begin;    /* ... the BEGIN */
    int lock_timeout, statement_timeout; /* TIMEOUT_* */
    bool lock_reported, statement_reported;
} lock_state;

static void add_created(lock_state *ls, relname r)
{
    if (!r.name)
        return;
    GROW(ls->created, ls->capcreated, ls->ncreated + 1);
    ls->created[ls->ncreated++] = r;
}

static bool is_created(const lock_state *ls, relname r)
{
    for (size_t i = 0; i < ls->ncreated; i++)
        if (rel_match(ls->created[i], r))
            return true;
    return false;
}

static held_lock *find_held(lock_state *ls, relname r)
{
    for (size_t i = 0; i < ls->nheld; i++)
        if (rel_match(ls->held[i].rel, r))
            return &ls->held[i];
    return NULL;
}

static void end_transaction(lock_state *ls)
{
    ls->nheld = 0;
    ls->aex_reported = false;
}

#define REPORT(ls, st, id, loc, ...) lint_report((ls)->cfg, (ls)->s, st, id, loc, __VA_ARGS__)

/* ------------------------------------------------------------------ what a statement locks */

/* A relation a statement locks, with how strongly. */
typedef struct lock_target {
    relname rel;
    long loc;
    bool access_exclusive;
} lock_target;

typedef struct stmt_locks {
    const char *what;        /* "ALTER TABLE", ...; NULL: no lock-taking DDL */
    lock_target t[16];       /* the relations it locks (the first 16) */
    size_t n;
    bool is_alter;           /* ALTER TABLE (the ones a single ALTER TABLE could combine) */
    bool is_lock;            /* LOCK TABLE: an explicit lock, never "again" */
} stmt_locks;

static void add_target(stmt_locks *lk, relname r, long loc, bool aex)
{
    if (r.name && lk->n < ARRAY_SIZE(lk->t))
        lk->t[lk->n++] = (lock_target){r, loc, aex};
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

static bool reindex_concurrently(const cJSON *f)
{
    return option_true(field(f, PGF_params), "concurrently");
}

static bool vacuum_full(const cJSON *f)
{
    return bool_field(f, PGF_is_vacuumcmd) && option_true(field(f, PGF_options), "full");
}

/* The lock-taking DDL a statement is (lk->what), and the relations it locks. */
static void describe_locks(const cJSON *node, stmt_locks *lk)
{
    memset(lk, 0, sizeof(*lk));
    const char *kind = sql_node_kind(node);
    const cJSON *f = sql_node_fields(node), *it;
    if (!kind || !f)
        return;
    if (str_is(kind, PGN_AlterTableStmt)) {
        bool aex = false;
        cJSON_ArrayForEach(it, field(f, PGF_cmds)) {
            const cJSON *c = field(it, PGN_AlterTableCmd);
            aex |= c && !weaker_than_aex(c);
        }
        const cJSON *rv = field(f, PGF_relation);
        lk->what = str_is(str_field(f, PGF_objtype), "OBJECT_INDEX") ? "ALTER INDEX" : "ALTER TABLE";
        lk->is_alter = true;
        add_target(lk, rangevar(rv), location_of(rv), aex);
    } else if (str_is(kind, PGN_RenameStmt)) {
        const cJSON *rv = field(f, PGF_relation);
        if (rv) {
            lk->what = "ALTER TABLE ... RENAME";
            lk->is_alter = true;
            add_target(lk, rangevar(rv), location_of(rv), true);
        }
    } else if (str_is(kind, PGN_IndexStmt)) {
        if (!bool_field(f, PGF_concurrent)) {
            const cJSON *rv = field(f, PGF_relation);
            lk->what = "CREATE INDEX";
            add_target(lk, rangevar(rv), location_of(rv), false); /* SHARE */
        }
    } else if (str_is(kind, PGN_DropStmt)) {
        const char *rt = str_field(f, PGF_removeType);
        bool index = str_is(rt, "OBJECT_INDEX");
        if ((index && !bool_field(f, PGF_concurrent)) || str_is(rt, "OBJECT_TABLE") ||
            str_is(rt, "OBJECT_MATVIEW") || str_is(rt, "OBJECT_FOREIGN_TABLE")) {
            lk->what = index ? "DROP INDEX" : "DROP TABLE";
            cJSON_ArrayForEach(it, field(f, PGF_objects))
                add_target(lk, name_list(it), -1, true);
        }
    } else if (str_is(kind, PGN_TruncateStmt)) {
        lk->what = "TRUNCATE";
        cJSON_ArrayForEach(it, field(f, PGF_relations)) {
            const cJSON *rv = field(it, PGN_RangeVar);
            add_target(lk, rangevar(rv), location_of(rv), true);
        }
    } else if (str_is(kind, PGN_LockStmt)) {
        const cJSON *mode = field(f, PGF_mode);
        bool aex = !cJSON_IsNumber(mode) || mode->valuedouble >= 8;
        lk->what = "LOCK TABLE";
        lk->is_lock = true;
        cJSON_ArrayForEach(it, field(f, PGF_relations)) {
            const cJSON *rv = field(it, PGN_RangeVar);
            add_target(lk, rangevar(rv), location_of(rv), aex);
        }
    } else if (str_is(kind, PGN_ReindexStmt)) {
        const cJSON *rv = field(f, PGF_relation);
        if (rv && !reindex_concurrently(f)) {
            lk->what = "REINDEX";
            add_target(lk, rangevar(rv), location_of(rv), true);
        }
    } else if (str_is(kind, PGN_VacuumStmt)) {
        if (vacuum_full(f)) {
            lk->what = "VACUUM FULL";
            cJSON_ArrayForEach(it, field(f, PGF_rels)) {
                const cJSON *rv = field(field(it, PGN_VacuumRelation), PGF_relation);
                add_target(lk, rangevar(rv), location_of(rv), true);
            }
        }
    } else if (str_is(kind, PGN_ClusterStmt)) {
        const cJSON *rv = field(f, PGF_relation);
        if (rv) {
            lk->what = "CLUSTER";
            add_target(lk, rangevar(rv), location_of(rv), true);
        }
    } else if (str_is(kind, PGN_CreateTrigStmt)) {
        const cJSON *rv = field(f, PGF_relation);
        lk->what = "CREATE TRIGGER";
        add_target(lk, rangevar(rv), location_of(rv), false); /* SHARE ROW EXCLUSIVE */
    }
}

/* ------------------------------------------------------------------ ALTER TABLE */

static bool is_serial(const cJSON *type_name)
{
    static const char *const serials[] = {"bigserial", "serial", "serial2", "serial4",
                                          "serial8", "smallserial"};
    relname t = name_list(field(type_name, PGF_names));
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

static void check_add_column(lock_state *ls, const statement *st, const char *table,
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
        const cJSON *c = field(it, PGN_Constraint);
        const char *ct = str_field(c, PGF_contype);
        if (str_is(ct, "CONSTR_DEFAULT") && !is_null_const(field(c, PGF_raw_expr)))
            dflt = c;
        else if (str_is(ct, "CONSTR_NOTNULL"))
            notnull = true;
        else if (str_is(ct, "CONSTR_PRIMARY"))
            notnull = true, keyc = c;
        else if (str_is(ct, "CONSTR_UNIQUE"))
            keyc = c;
        else if (str_is(ct, "CONSTR_FOREIGN"))
            fk = c;
        else if (str_is(ct, "CONSTR_CHECK"))
            check = c;
        else if (str_is(ct, "CONSTR_GENERATED"))
            generated = c;
        else if (str_is(ct, "CONSTR_IDENTITY"))
            identity = c;
    }
    bool serial = is_serial(field(cd, PGF_typeName));
    if (generated) {
        REPORT(ls, st, RULE_ADD_COLUMN_VOLATILE_DEFAULT, location_of(generated),
               "stored generated column \"%s\" added to \"%s\" is computed for every row, "
               "rewriting the table under an ACCESS EXCLUSIVE lock; add a plain column, "
               "backfill it in batches and keep it current with a trigger",
               col, table);
    } else if (identity || serial) {
        REPORT(ls, st, RULE_ADD_COLUMN_VOLATILE_DEFAULT, identity ? location_of(identity) : loc,
               "%s column \"%s\" added to \"%s\" fills every row from a sequence, rewriting "
               "the table under an ACCESS EXCLUSIVE lock; add a plain nullable column, "
               "backfill it in batches, then attach the sequence as its default",
               identity ? "identity" : "serial", col, table);
    } else if (dflt && ls->pg < 11) {
        REPORT(ls, st, RULE_ADD_COLUMN_VOLATILE_DEFAULT, location_of(dflt),
               "column \"%s\" added to \"%s\" with a default: before PostgreSQL 11 any "
               "non-NULL default rewrites the table under an ACCESS EXCLUSIVE lock; add the "
               "column without a default, set the default, then backfill in batches",
               col, table);
    } else if (dflt) {
        const cJSON *fc = volatile_call(field(dflt, PGF_raw_expr));
        if (fc) {
            char *fn = call_name(fc);
            REPORT(ls, st, RULE_ADD_COLUMN_VOLATILE_DEFAULT, location_of(fc),
                   "column \"%s\" added to \"%s\" with volatile default %s(): it is "
                   "evaluated for every row, rewriting the table under an ACCESS EXCLUSIVE "
                   "lock; add the column without a default, set the default, then backfill "
                   "in batches",
                   col, table, fn);
            free(fn);
        }
    }
    if (notnull && !dflt && !generated && !identity && !serial)
        REPORT(ls, st, RULE_ADD_REQUIRED_COLUMN, loc,
               "NOT NULL column \"%s\" added to \"%s\" without a default fails as soon as "
               "the table has a row; give it a default, or add it nullable, backfill it, "
               "then set NOT NULL",
               col, table);
    if (keyc)
        REPORT(ls, st, RULE_UNIQUE_WITHOUT_INDEX, location_of(keyc),
               "%s on new column \"%s\" of \"%s\" builds its index under an ACCESS EXCLUSIVE "
               "lock; add the column, CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT "
               "... USING INDEX",
               str_is(str_field(keyc, PGF_contype), "CONSTR_PRIMARY") ? "PRIMARY KEY" : "UNIQUE",
               col, table);
    if (fk || check)
        REPORT(ls, st, RULE_CONSTRAINT_WITHOUT_NOT_VALID, location_of(fk ? fk : check),
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
    relname t = name_list(field(tn, PGF_names));
    if (!t.name || (t.schema && strcmp(t.schema, "pg_catalog") != 0))
        return false;
    if (strcmp(t.name, "text") == 0 || strcmp(t.name, "varchar") == 0)
        return true;
    return strcmp(t.name, "numeric") == 0 && !field(tn, PGF_typmods);
}

static void check_alter_table(lock_state *ls, const statement *st, const cJSON *f)
{
    const cJSON *rv = field(f, PGF_relation), *it;
    relname rel = rangevar(rv);
    if (!rel.name || is_created(ls, rel))
        return;
    char *table = rel_text(rel);
    long tloc = location_of(rv);
    bool index = str_is(str_field(f, PGF_objtype), "OBJECT_INDEX");
    cJSON_ArrayForEach(it, field(f, PGF_cmds)) {
        const cJSON *c = field(it, PGN_AlterTableCmd);
        const char *sub = str_field(c, PGF_subtype);
        const char *name = str_field(c, PGF_name);
        const cJSON *def = field(c, PGF_def);
        if (!sub)
            continue;
        if (strcmp(sub, "AT_AddColumn") == 0) {
            check_add_column(ls, st, table, field(def, PGN_ColumnDef));
        } else if (strcmp(sub, "AT_AlterColumnType") == 0) {
            const cJSON *cd = field(def, PGN_ColumnDef);
            if (!looks_like_widening(cd))
                REPORT(ls, st, RULE_CHANGE_COLUMN_TYPE, location_of(cd),
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
                char *ref = rel_text(rangevar(field(con, PGF_pktable)));
                REPORT(ls, st, RULE_CONSTRAINT_WITHOUT_NOT_VALID, location_of(con),
                       "foreign key%s on \"%s\" added without NOT VALID checks every row while "
                       "holding SHARE ROW EXCLUSIVE locks on \"%s\" and \"%s\", blocking "
                       "their writes; add it NOT VALID, then VALIDATE CONSTRAINT in another "
                       "transaction",
                       label, table, table, ref);
                free(ref);
            } else if (str_is(ct, "CONSTR_CHECK") && !bool_field(con, PGF_skip_validation)) {
                REPORT(ls, st, RULE_CONSTRAINT_WITHOUT_NOT_VALID, location_of(con),
                       "check constraint%s on \"%s\" added without NOT VALID checks every row "
                       "under an ACCESS EXCLUSIVE lock; add it NOT VALID, then VALIDATE "
                       "CONSTRAINT in another transaction",
                       label, table);
            } else if ((str_is(ct, "CONSTR_PRIMARY") || str_is(ct, "CONSTR_UNIQUE")) &&
                       !str_field(con, PGF_indexname)) {
                REPORT(ls, st, RULE_UNIQUE_WITHOUT_INDEX, location_of(con),
                       "%s%s on \"%s\" added without USING INDEX builds its index under an "
                       "ACCESS EXCLUSIVE lock, blocking reads and writes; CREATE UNIQUE INDEX "
                       "CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX",
                       str_is(ct, "CONSTR_PRIMARY") ? "primary key" : "unique constraint",
                       label, table);
            }
            free(label);
        } else if (strcmp(sub, "AT_SetNotNull") == 0) {
            if (ls->pg >= 12)
                REPORT(ls, st, RULE_SET_NOT_NULL, tloc,
                       "SET NOT NULL on column \"%s\" of \"%s\" scans the whole table under "
                       "an ACCESS EXCLUSIVE lock; add CHECK (%s IS NOT NULL) NOT VALID, "
                       "VALIDATE it in another transaction, and SET NOT NULL then skips the "
                       "scan",
                       name ? name : "?", table, name ? name : "?");
            else
                REPORT(ls, st, RULE_SET_NOT_NULL, tloc,
                       "SET NOT NULL on column \"%s\" of \"%s\" scans the whole table under "
                       "an ACCESS EXCLUSIVE lock, and before PostgreSQL 12 nothing avoids the "
                       "scan; prefer a CHECK (%s IS NOT NULL) constraint added NOT VALID and "
                       "validated separately",
                       name ? name : "?", table, name ? name : "?");
        } else if (strcmp(sub, "AT_DropNotNull") == 0) {
            REPORT(ls, st, RULE_DROP_NOT_NULL, tloc,
                   "dropping NOT NULL on column \"%s\" of \"%s\" lets NULLs in; make sure no "
                   "code reading it assumes a value",
                   name ? name : "?", table);
        } else if (strcmp(sub, "AT_DropColumn") == 0) {
            REPORT(ls, st, RULE_DROP_COLUMN, tloc,
                   "dropping column \"%s\" of \"%s\" breaks the code that still reads it; "
                   "stop using it in a release first, then drop it",
                   name ? name : "?", table);
        } else if (strcmp(sub, "AT_DetachPartition") == 0) {
            const cJSON *pc = field(def, PGN_PartitionCmd);
            if (ls->pg >= 14 && !bool_field(pc, PGF_concurrent)) {
                char *part = rel_text(rangevar(field(pc, PGF_name)));
                REPORT(ls, st, RULE_DETACH_PARTITION_NOT_CONCURRENTLY, tloc,
                       "DETACH PARTITION \"%s\" from \"%s\" without CONCURRENTLY takes an "
                       "ACCESS EXCLUSIVE lock on the parent table; use DETACH PARTITION ... "
                       "CONCURRENTLY in a file marked '-- pgward:no-transaction'",
                       part, table);
                free(part);
            }
        } else if (strcmp(sub, "AT_SetTableSpace") == 0) {
            REPORT(ls, st, RULE_TABLE_REWRITE, tloc,
                   "SET TABLESPACE copies all of \"%s\" under an ACCESS EXCLUSIVE lock%s; "
                   "move it with pg_repack or during a maintenance window",
                   table, index ? "" : ", blocking reads and writes");
        } else if (strcmp(sub, "AT_SetLogged") == 0 || strcmp(sub, "AT_SetUnLogged") == 0 ||
                   strcmp(sub, "AT_SetAccessMethod") == 0) {
            const char *what = strcmp(sub, "AT_SetLogged") == 0     ? "SET LOGGED"
                               : strcmp(sub, "AT_SetUnLogged") == 0 ? "SET UNLOGGED"
                                                                     : "SET ACCESS METHOD";
            REPORT(ls, st, RULE_TABLE_REWRITE, tloc,
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
        return reindex_concurrently(f) ? "REINDEX CONCURRENTLY" : NULL;
    if (str_is(kind, PGN_AlterTableStmt)) {
        cJSON_ArrayForEach(it, field(f, PGF_cmds)) {
            const cJSON *c = field(it, PGN_AlterTableCmd);
            if (str_is(str_field(c, PGF_subtype), "AT_DetachPartition") &&
                bool_field(field(field(c, PGF_def), PGN_PartitionCmd), PGF_concurrent))
                return "DETACH PARTITION CONCURRENTLY";
        }
    }
    return NULL;
}

static void check_drop(lock_state *ls, const statement *st, const cJSON *f)
{
    const char *rt = str_field(f, PGF_removeType);
    bool table = str_is(rt, "OBJECT_TABLE");
    bool index = str_is(rt, "OBJECT_INDEX") && !bool_field(f, PGF_concurrent);
    if (!table && !index)
        return;
    const cJSON *it;
    cJSON_ArrayForEach(it, field(f, PGF_objects)) {
        relname r = name_list(it);
        if (!r.name || is_created(ls, r))
            continue;
        char *name = rel_text(r);
        if (table)
            REPORT(ls, st, RULE_DROP_TABLE, -1,
                   "dropping table \"%s\" breaks the code that still uses it, and its data is "
                   "gone; stop using it in a release first, then drop it",
                   name);
        else
            REPORT(ls, st, RULE_INDEX_NOT_CONCURRENTLY, -1,
                   "DROP INDEX \"%s\" without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on "
                   "its table, blocking reads and writes; use DROP INDEX CONCURRENTLY in a "
                   "file marked '-- pgward:no-transaction'",
                   name);
        free(name);
    }
}

static void check_reindex(lock_state *ls, const statement *st, const cJSON *f)
{
    if (reindex_concurrently(f))
        return;
    const char *rk = str_field(f, PGF_kind);
    if (str_is(rk, "REINDEX_OBJECT_SYSTEM"))
        return; /* system catalogs cannot be reindexed concurrently */
    const cJSON *rv = field(f, PGF_relation);
    char *name;
    if (rv) {
        relname r = rangevar(rv);
        if (!r.name || is_created(ls, r))
            return;
        name = rel_text(r);
    } else {
        const char *n = str_field(f, PGF_name);
        name = xstrdup(n ? n : "the current database");
    }
    if (ls->pg >= 12)
        REPORT(ls, st, RULE_INDEX_NOT_CONCURRENTLY, rv ? location_of(rv) : -1,
               "REINDEX of \"%s\" without CONCURRENTLY blocks writes to the table, and reads "
               "that would use the index, until it is done; use REINDEX (CONCURRENTLY) in a "
               "file marked '-- pgward:no-transaction'",
               name);
    else
        REPORT(ls, st, RULE_INDEX_NOT_CONCURRENTLY, rv ? location_of(rv) : -1,
               "REINDEX of \"%s\" blocks writes to the table, and reads that would use the "
               "index, until it is done; before PostgreSQL 12 build a new index with CREATE "
               "INDEX CONCURRENTLY and drop the old one instead",
               name);
    free(name);
}

static void check_rename(lock_state *ls, const statement *st, const cJSON *f)
{
    const cJSON *rv = field(f, PGF_relation);
    relname r = rangevar(rv);
    if (!rv || !r.name || is_created(ls, r))
        return;
    const char *rt = str_field(f, PGF_renameType), *rel = str_field(f, PGF_relationType);
    const char *newname = str_field(f, PGF_newname), *sub = str_field(f, PGF_subname);
    char *name = rel_text(r);
    if (str_is(rt, "OBJECT_TABLE"))
        REPORT(ls, st, RULE_RENAME_TABLE, location_of(rv),
               "renaming table \"%s\" to \"%s\" breaks the code that still uses the old "
               "name; add a view under the old name, or move the code over first",
               name, newname ? newname : "?");
    else if (str_is(rt, "OBJECT_COLUMN") &&
             (str_is(rel, "OBJECT_TABLE") || str_is(rel, "OBJECT_FOREIGN_TABLE") ||
              str_is(rel, "OBJECT_VIEW") || str_is(rel, "OBJECT_MATVIEW")))
        REPORT(ls, st, RULE_RENAME_COLUMN, location_of(rv),
               "renaming column \"%s\" of \"%s\" to \"%s\" breaks the code that still uses "
               "the old name; add the new column, write both, move the readers, then drop "
               "the old one",
               sub ? sub : "?", name, newname ? newname : "?");
    free(name);
}

static void check_truncate(lock_state *ls, const statement *st, const cJSON *f)
{
    const cJSON *it;
    relname first = {0};
    long loc = -1;
    cJSON_ArrayForEach(it, field(f, PGF_relations)) {
        const cJSON *rv = field(it, PGN_RangeVar);
        relname r = rangevar(rv);
        if (r.name && !is_created(ls, r)) {
            first = r;
            loc = location_of(rv);
            break;
        }
    }
    if (!first.name)
        return;
    char *name = rel_text(first);
    if (str_is(str_field(f, PGF_behavior), "DROP_CASCADE"))
        REPORT(ls, st, RULE_TRUNCATE_CASCADE, loc,
               "TRUNCATE ... CASCADE of \"%s\" also empties every table with a foreign key to "
               "it, and theirs in turn; name every table to empty instead",
               name);
    else
        REPORT(ls, st, RULE_TRUNCATE, loc,
               "TRUNCATE of \"%s\" removes every row, under an ACCESS EXCLUSIVE lock; make "
               "sure the data is meant to go (or DELETE in batches)",
               name);
    free(name);
}

static void check_vacuum_cluster(lock_state *ls, const statement *st, const char *kind,
                                 const cJSON *f)
{
    bool cluster = str_is(kind, PGN_ClusterStmt);
    if (!cluster && !vacuum_full(f))
        return;
    const cJSON *rv = NULL, *it;
    bool any = false;
    if (cluster) {
        rv = field(f, PGF_relation);
        any = !rv || !is_created(ls, rangevar(rv));
    } else {
        const cJSON *rels = field(f, PGF_rels);
        any = cJSON_GetArraySize(rels) == 0;
        cJSON_ArrayForEach(it, rels) {
            const cJSON *r = field(field(it, PGN_VacuumRelation), PGF_relation);
            if (r && !is_created(ls, rangevar(r))) {
                rv = r;
                any = true;
                break;
            }
        }
    }
    if (!any)
        return;
    char *name = rv ? rel_text(rangevar(rv)) : NULL;
    char *subject = name ? xasprintf(" of \"%s\"", name) : xstrdup(" without a table");
    REPORT(ls, st, RULE_VACUUM_FULL_OR_CLUSTER, rv ? location_of(rv) : -1,
           "%s%s rewrites %s under an ACCESS EXCLUSIVE lock, blocking reads and writes until "
           "done; use plain VACUUM, or pg_repack to compact without the long lock",
           cluster ? "CLUSTER" : "VACUUM FULL", subject,
           name ? "the table" : "every table it covers");
    free(subject);
    free(name);
}

static void check_domain(lock_state *ls, const statement *st, const char *kind, const cJSON *f)
{
    const cJSON *it;
    if (str_is(kind, PGN_CreateDomainStmt)) {
        relname d = name_list(field(f, PGF_domainname));
        cJSON_ArrayForEach(it, field(f, PGF_constraints)) {
            const cJSON *c = field(it, PGN_Constraint);
            const char *ct = str_field(c, PGF_contype);
            if (str_is(ct, "CONSTR_CHECK") || str_is(ct, "CONSTR_NOTNULL")) {
                char *name = rel_text(d);
                REPORT(ls, st, RULE_DOMAIN_CONSTRAINT, location_of(c),
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
    relname d = name_list(field(f, PGF_typeName));
    if (is_created(ls, d))
        return;
    const char *sub = str_field(f, PGF_subtype);
    const cJSON *c = field(field(f, PGF_def), PGN_Constraint);
    bool add = str_is(sub, "C") && c && !bool_field(c, PGF_skip_validation);
    if (!add && !str_is(sub, "O"))
        return;
    char *name = rel_text(d);
    REPORT(ls, st, RULE_DOMAIN_CONSTRAINT, add ? location_of(c) : -1,
           "%s on domain \"%s\" checks every column of the type in every table, under locks "
           "on them; put a CHECK constraint on the tables instead%s",
           add ? "adding a constraint" : "SET NOT NULL", name,
           add ? ", or add it NOT VALID and validate it separately" : "");
    free(name);
}

/* ------------------------------------------------------------------ timeouts */

static bool zero_value(const cJSON *a_const)
{
    const cJSON *c = field(a_const, PGN_A_Const);
    if (!c)
        return false;
    const cJSON *i = field(c, PGF_ival);
    if (i) {
        const cJSON *v = field(i, PGF_ival);
        return !cJSON_IsNumber(v) || v->valuedouble == 0;
    }
    const char *s = str_field(field(c, PGF_sval), PGF_sval);
    return s && strcmp(s, "0") == 0;
}

static void set_timeout(lock_state *ls, const char *name, int value)
{
    if (str_is(name, "lock_timeout"))
        ls->lock_timeout = value;
    else if (str_is(name, "statement_timeout"))
        ls->statement_timeout = value;
}

/* Every set_config('..._timeout', value, is_local) call in e. */
static void find_set_config(lock_state *ls, const cJSON *e, bool in_txn)
{
    if (!e)
        return;
    if (cJSON_IsObject(e)) {
        const cJSON *fc = field(e, PGN_FuncCall);
        relname fn = name_list(field(fc, PGF_funcname));
        if (fc && str_is(fn.name, "set_config") &&
            (!fn.schema || strcmp(fn.schema, "pg_catalog") == 0)) {
            const cJSON *args = field(fc, PGF_args);
            const char *name =
                str_field(field(field(cJSON_GetArrayItem(args, 0), PGN_A_Const), PGF_sval),
                          PGF_sval);
            const cJSON *local = field(cJSON_GetArrayItem(args, 2), PGN_A_Const);
            bool is_local = bool_field(field(local, PGF_boolval), PGF_boolval);
            if (zero_value(cJSON_GetArrayItem(args, 1)))
                set_timeout(ls, name, TIMEOUT_UNSET);
            else if (!is_local || in_txn)
                set_timeout(ls, name, is_local ? TIMEOUT_LOCAL : TIMEOUT_SESSION);
        }
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, e)
        find_set_config(ls, it, in_txn);
}

/* Follows SET / RESET / set_config() of lock_timeout and statement_timeout. */
static void track_timeouts(lock_state *ls, const cJSON *node, bool in_txn)
{
    const char *kind = sql_node_kind(node);
    const cJSON *f = sql_node_fields(node);
    if (str_is(kind, PGN_VariableSetStmt)) {
        const char *vk = str_field(f, PGF_kind), *name = str_field(f, PGF_name);
        bool local = bool_field(f, PGF_is_local);
        if (str_is(vk, "VAR_RESET_ALL")) {
            ls->lock_timeout = ls->statement_timeout = TIMEOUT_UNSET;
        } else if (str_is(vk, "VAR_SET_VALUE")) {
            if (zero_value(cJSON_GetArrayItem(field(f, PGF_args), 0)))
                set_timeout(ls, name, TIMEOUT_UNSET);
            else if (!local || in_txn)
                set_timeout(ls, name, local ? TIMEOUT_LOCAL : TIMEOUT_SESSION);
        } else if (str_is(vk, "VAR_SET_DEFAULT") || str_is(vk, "VAR_RESET")) {
            set_timeout(ls, name, TIMEOUT_UNSET);
        }
    } else if (str_is(kind, PGN_SelectStmt)) {
        find_set_config(ls, f, in_txn);
    }
}

/* ------------------------------------------------------------------ transactions */

/* +1 for BEGIN / START TRANSACTION, -1 for COMMIT / ROLLBACK / PREPARE, else 0. */
static int control_of(const cJSON *node)
{
    if (!str_is(sql_node_kind(node), PGN_TransactionStmt))
        return 0;
    const char *tk = str_field(sql_node_fields(node), PGF_kind);
    if (str_is(tk, "TRANS_STMT_BEGIN") || str_is(tk, "TRANS_STMT_START"))
        return 1;
    if (str_is(tk, "TRANS_STMT_COMMIT") || str_is(tk, "TRANS_STMT_ROLLBACK") ||
        str_is(tk, "TRANS_STMT_PREPARE"))
        return -1;
    return 0;
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
            if (!str_is(name_list(field(fc, PGF_funcname)).name, "set_config"))
                return false;
        }
        return true;
    }
    return false;
}

/* A name for what a statement does, for messages. */
static const char *stmt_name(const cJSON *node, const stmt_locks *lk)
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
    if (lk->what)
        return lk->what;
    const char *kind = sql_node_kind(node);
    for (size_t i = 0; kind && i < ARRAY_SIZE(names); i++)
        if (strcmp(kind, names[i].kind) == 0)
            return names[i].name;
    return "this statement";
}

/*
 * The lock rules of one statement node: the timeouts (once per script), the same
 * table locked again, and work done while an ACCESS EXCLUSIVE lock is held (both
 * within the current transaction).
 */
static void check_locks(lock_state *ls, const statement *st, const cJSON *node, bool in_txn)
{
    stmt_locks lk;
    describe_locks(node, &lk);
    const lock_target *first = NULL;
    for (size_t i = 0; i < lk.n; i++) {
        if (!is_created(ls, lk.t[i].rel)) {
            first = &lk.t[i];
            break;
        }
    }
    if (lk.what && first) {
        char *name = rel_text(first->rel);
        if (ls->lock_timeout == TIMEOUT_UNSET && !ls->lock_reported) {
            ls->lock_reported = true;
            REPORT(ls, st, RULE_MISSING_LOCK_TIMEOUT, first->loc,
                   "%s on \"%s\" without lock_timeout set earlier in the script: while it "
                   "waits for its lock, every later query on the table queues behind it; "
                   "start the script with SET lock_timeout = '5s' (and retry on failure)",
                   lk.what, name);
        }
        if (ls->statement_timeout == TIMEOUT_UNSET && !ls->statement_reported) {
            ls->statement_reported = true;
            REPORT(ls, st, RULE_MISSING_STATEMENT_TIMEOUT, first->loc,
                   "%s on \"%s\" without statement_timeout set earlier in the script: nothing "
                   "bounds how long it waits and holds its lock; start the script with SET "
                   "statement_timeout",
                   lk.what, name);
        }
        free(name);
    }
    if (!in_txn)
        return;
    /* work while an ACCESS EXCLUSIVE lock is held (not more locks on held tables) */
    const held_lock *aex = NULL;
    for (size_t i = 0; i < ls->nheld && !aex; i++)
        if (ls->held[i].access_exclusive)
            aex = &ls->held[i];
    bool again_only = lk.what && lk.n > 0;
    for (size_t i = 0; i < lk.n; i++)
        again_only &= find_held(ls, lk.t[i].rel) != NULL;
    if (aex && !ls->aex_reported && !is_trivial(node) && !again_only) {
        ls->aex_reported = true;
        char *name = rel_text(aex->rel);
        REPORT(ls, st, RULE_ACCESS_EXCLUSIVE_HELD, -1,
               "%s runs while the ACCESS EXCLUSIVE lock on \"%s\" taken at line %d is held: "
               "every query on \"%s\" waits until the transaction ends; commit the "
               "lock-taking statement first, or move this work to another transaction",
               stmt_name(node, &lk), name, aex->st->line, name);
        free(name);
    }
    if (!lk.what)
        return;
    for (size_t i = 0; i < lk.n; i++) {
        const lock_target *t = &lk.t[i];
        if (is_created(ls, t->rel))
            continue;
        held_lock *h = find_held(ls, t->rel);
        if (h) {
            h->access_exclusive |= t->access_exclusive;
            if (h->by_lock_only && !lk.is_lock) {
                h->by_lock_only = false;
                h->st = st;
                h->by_alter = lk.is_alter;
            } else if (!lk.is_lock && !h->reported && h->st != st) {
                h->reported = true;
                char *name = rel_text(t->rel);
                REPORT(ls, st, RULE_MULTIPLE_LOCKS_SAME_TABLE, t->loc,
                       "\"%s\" is locked again in the transaction that locked it at line %d: "
                       "the locks pile up and are held until commit; %s",
                       name, h->st->line,
                       lk.is_alter && h->by_alter
                           ? "combine the ALTER TABLE statements into one"
                           : "run them in separate transactions, or combine them");
                free(name);
            }
            continue;
        }
        GROW(ls->held, ls->capheld, ls->nheld + 1);
        ls->held[ls->nheld++] = (held_lock){t->rel, st, lk.is_alter, t->access_exclusive,
                                            false, lk.is_lock};
    }
}

/* ------------------------------------------------------------------ the check */

/* Records what node creates (or renames a created relation to). */
static void track_created(lock_state *ls, const cJSON *node)
{
    const char *kind = sql_node_kind(node);
    const cJSON *f = sql_node_fields(node);
    if (str_is(kind, PGN_CreateStmt)) {
        add_created(ls, rangevar(field(f, PGF_relation)));
    } else if (str_is(kind, PGN_CreateForeignTableStmt)) {
        add_created(ls, rangevar(field(field(f, PGF_base), PGF_relation)));
    } else if (str_is(kind, PGN_CreateTableAsStmt)) {
        add_created(ls, rangevar(field(field(f, PGF_into), PGF_rel)));
    } else if (str_is(kind, PGN_SelectStmt)) {
        const cJSON *into = field(f, PGF_intoClause);
        if (into)
            add_created(ls, rangevar(field(into, PGF_rel)));
    } else if (str_is(kind, PGN_IndexStmt)) {
        const char *idx = str_field(f, PGF_idxname);
        if (idx)
            add_created(ls, (relname){str_field(field(f, PGF_relation), PGF_schemaname), idx});
    } else if (str_is(kind, PGN_ViewStmt)) {
        add_created(ls, rangevar(field(f, PGF_view)));
    } else if (str_is(kind, PGN_CreateSeqStmt)) {
        add_created(ls, rangevar(field(f, PGF_sequence)));
    } else if (str_is(kind, PGN_CreateDomainStmt)) {
        add_created(ls, name_list(field(f, PGF_domainname)));
    } else if (str_is(kind, PGN_CreatedbStmt)) {
        add_created(ls, (relname){NULL, str_field(f, PGF_dbname)});
    } else if (str_is(kind, PGN_RenameStmt)) {
        relname r = rangevar(field(f, PGF_relation));
        const char *rt = str_field(f, PGF_renameType);
        if (r.name && is_created(ls, r) &&
            (str_is(rt, "OBJECT_TABLE") || str_is(rt, "OBJECT_INDEX") ||
             str_is(rt, "OBJECT_VIEW") || str_is(rt, "OBJECT_MATVIEW")))
            add_created(ls, (relname){r.schema, str_field(f, PGF_newname)});
    }
}

static void check_node(lock_state *ls, const statement *st, const cJSON *node, bool in_txn)
{
    const char *kind = sql_node_kind(node);
    const cJSON *f = sql_node_fields(node);
    if (!kind || !f)
        return;
    const char *conc = concurrent_what(node);
    if (conc && ls->explicit_txn)
        REPORT(ls, st, RULE_CONCURRENTLY_IN_TRANSACTION, -1,
               "%s inside the transaction block opened by the BEGIN at line %d fails: it "
               "cannot run in a transaction block; run it outside BEGIN ... COMMIT",
               conc, ls->begin ? ls->begin->line : 0);
    if (str_is(kind, PGN_AlterTableStmt)) {
        check_alter_table(ls, st, f);
    } else if (str_is(kind, PGN_AlterTableMoveAllStmt)) {
        REPORT(ls, st, RULE_TABLE_REWRITE, -1,
               "ALTER ... ALL IN TABLESPACE copies every relation it moves under ACCESS "
               "EXCLUSIVE locks, blocking reads and writes; move them during a maintenance "
               "window");
    } else if (str_is(kind, PGN_IndexStmt)) {
        const cJSON *rv = field(f, PGF_relation);
        relname r = rangevar(rv);
        if (!bool_field(f, PGF_concurrent) && r.name && !is_created(ls, r)) {
            char *name = rel_text(r);
            REPORT(ls, st, RULE_INDEX_NOT_CONCURRENTLY, location_of(rv),
                   "CREATE INDEX on \"%s\" without CONCURRENTLY blocks writes to the table "
                   "until the index is built; use CREATE INDEX CONCURRENTLY in a file marked "
                   "'-- pgward:no-transaction'",
                   name);
            free(name);
        }
    } else if (str_is(kind, PGN_DropStmt)) {
        check_drop(ls, st, f);
    } else if (str_is(kind, PGN_ReindexStmt)) {
        check_reindex(ls, st, f);
    } else if (str_is(kind, PGN_DropdbStmt)) {
        const char *db = str_field(f, PGF_dbname);
        if (db && !is_created(ls, (relname){NULL, db}))
            REPORT(ls, st, RULE_DROP_DATABASE, -1,
                   "dropping database \"%s\" deletes everything in it; make sure this "
                   "migration is meant to",
                   db);
    } else if (str_is(kind, PGN_RenameStmt)) {
        check_rename(ls, st, f);
    } else if (str_is(kind, PGN_TruncateStmt)) {
        check_truncate(ls, st, f);
    } else if (str_is(kind, PGN_VacuumStmt) || str_is(kind, PGN_ClusterStmt)) {
        check_vacuum_cluster(ls, st, kind, f);
    } else if (str_is(kind, PGN_CreateDomainStmt) || str_is(kind, PGN_AlterDomainStmt)) {
        check_domain(ls, st, kind, f);
    }
    check_locks(ls, st, node, in_txn);
    track_timeouts(ls, node, in_txn);
    track_created(ls, node);
}

void locking_check_script(const lint_config *cfg, script *s)
{
    lock_state ls = {.cfg = cfg, .s = s, .pg = cfg && cfg->pg_version ? cfg->pg_version : 15};
    bool *marked = xcalloc(s->nsources ? s->nsources : 1, sizeof(bool));
    for (size_t k = 0; k < s->nsources; k++)
        marked[k] = txn_source_no_transaction(s->sources[k]);
    ls.whole_script = true;
    for (size_t i = 0; i < s->nstmts && ls.whole_script; i++)
        for (size_t n = 0; n < s->stmts[i].parse.nstmts; n++)
            if (!s->stmts[i].parse.error && control_of(s->stmts[i].parse.stmts[n]) > 0)
                ls.whole_script = false;
    for (size_t i = 0; i < s->nstmts; i++) {
        const statement *st = &s->stmts[i];
        if (st->parse.error)
            continue;
        for (size_t n = 0; n < st->parse.nstmts; n++) {
            const cJSON *node = st->parse.stmts[n];
            int control = control_of(node);
            if (control > 0 && !ls.explicit_txn) {
                end_transaction(&ls);
                ls.explicit_txn = true;
                ls.begin = st;
            } else if (control < 0) {
                end_transaction(&ls);
                ls.explicit_txn = false;
                if (ls.lock_timeout == TIMEOUT_LOCAL)
                    ls.lock_timeout = TIMEOUT_UNSET;
                if (ls.statement_timeout == TIMEOUT_LOCAL)
                    ls.statement_timeout = TIMEOUT_UNSET;
            }
            if (control)
                continue;
            /* a statement of its own: outside BEGIN ... COMMIT, or in a no-transaction file */
            size_t k = 0;
            while (k < s->nsources && s->sources[k] != st->src)
                k++;
            bool in_txn = ls.explicit_txn || (ls.whole_script && !(k < s->nsources && marked[k]));
            if (!in_txn)
                end_transaction(&ls);
            check_node(&ls, st, node, in_txn);
            if (!in_txn)
                end_transaction(&ls);
        }
    }
    free(marked);
    free(ls.created);
    free(ls.held);
}
