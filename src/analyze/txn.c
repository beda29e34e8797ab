/*
 * txn.c: what a unit is to transactions: transaction control (BEGIN, COMMIT,
 * savepoints, ...) and what PostgreSQL 15 refuses inside a transaction block (its
 * sources guard it with PreventInTransactionBlock()); see facts.h (unit_info).
 */
#include <string.h>

#include "analyze/walker.h"
#include "base/util.h"

/* A boolean option of a list: its value when given, else dflt. */
static bool option_or(const cJSON *list, const char *name, bool dflt)
{
    return find_option(list, name) ? option_true(list, name) : dflt;
}

/*
 * What a statement is that PostgreSQL 15 refuses in a transaction block, named as
 * its error message names it, or NULL. DROP SUBSCRIPTION refuses only when the
 * subscription has a replication slot, which only the catalog knows; it counts (the
 * session knows the subscriptions created or set with slot_name = NONE). REINDEX or
 * CLUSTER of a partitioned table are refused too, but which tables are partitioned
 * only the catalog knows.
 */
static const char *needs_no_transaction(pg_kind k, const cJSON *f)
{
    switch (k) {
    case PGK_IndexStmt:
        return bool_field(f, PGF_concurrent) ? "CREATE INDEX CONCURRENTLY" : NULL;
    case PGK_DropStmt:
        return bool_field(f, PGF_concurrent) && str_is(str_field(f, PGF_removeType), "OBJECT_INDEX")
                   ? "DROP INDEX CONCURRENTLY"
                   : NULL;
    case PGK_ReindexStmt: {
        const char *rk = str_field(f, PGF_kind);
        if (str_is(rk, "REINDEX_OBJECT_SCHEMA"))
            return "REINDEX SCHEMA";
        if (str_is(rk, "REINDEX_OBJECT_SYSTEM"))
            return "REINDEX SYSTEM";
        if (str_is(rk, "REINDEX_OBJECT_DATABASE"))
            return "REINDEX DATABASE";
        return option_true(field(f, PGF_params), "concurrently") ? "REINDEX CONCURRENTLY" : NULL;
    }
    case PGK_VacuumStmt:
        return bool_field(f, PGF_is_vacuumcmd) ? "VACUUM" : NULL; /* not ANALYZE */
    case PGK_ClusterStmt:
        return field(f, PGF_relation) ? NULL : "CLUSTER without a table name";
    case PGK_CreatedbStmt:
        return "CREATE DATABASE";
    case PGK_DropdbStmt:
        return "DROP DATABASE";
    case PGK_AlterDatabaseStmt:
        return find_option(field(f, PGF_options), "tablespace") ? "ALTER DATABASE SET TABLESPACE"
                                                                 : NULL;
    case PGK_CreateTableSpaceStmt:
        return "CREATE TABLESPACE";
    case PGK_DropTableSpaceStmt:
        return "DROP TABLESPACE";
    case PGK_AlterSystemStmt:
        return "ALTER SYSTEM";
    case PGK_DiscardStmt:
        return str_is(str_field(f, PGF_target), "DISCARD_ALL") ? "DISCARD ALL" : NULL;
    case PGK_CreateSubscriptionStmt: {
        /* create_slot defaults to true, but to false with connect = false */
        const cJSON *opts = field(f, PGF_options);
        return option_or(opts, "create_slot", option_or(opts, "connect", true))
                   ? "CREATE SUBSCRIPTION with create_slot"
                   : NULL;
    }
    case PGK_DropSubscriptionStmt:
        return "DROP SUBSCRIPTION of a subscription with a replication slot";
    case PGK_AlterSubscriptionStmt: {
        const char *ak = str_field(f, PGF_kind);
        if (str_is(ak, "ALTER_SUBSCRIPTION_REFRESH"))
            return "ALTER SUBSCRIPTION ... REFRESH PUBLICATION";
        bool pubs = str_is(ak, "ALTER_SUBSCRIPTION_SET_PUBLICATION") ||
                    str_is(ak, "ALTER_SUBSCRIPTION_ADD_PUBLICATION") ||
                    str_is(ak, "ALTER_SUBSCRIPTION_DROP_PUBLICATION");
        return pubs && option_or(field(f, PGF_options), "refresh", true)
                   ? "ALTER SUBSCRIPTION ... PUBLICATION with refresh"
                   : NULL;
    }
    case PGK_AlterTableStmt: {
        const cJSON *it;
        cJSON_ArrayForEach(it, field(f, PGF_cmds)) {
            const cJSON *c = field(it, PGN_AlterTableCmd);
            if (str_is(str_field(c, PGF_subtype), "AT_DetachPartition") &&
                bool_field(field(field(c, PGF_def), PGN_PartitionCmd), PGF_concurrent))
                return "ALTER TABLE ... DETACH PARTITION CONCURRENTLY";
        }
        return NULL;
    }
    default:
        return NULL;
    }
}

void txn_describe_unit(unit_info *u)
{
    u->no_txn_what = needs_no_transaction((pg_kind)u->kind, u->node);
    if (u->kind != PGK_TransactionStmt)
        return;
    static const struct {
        const char *kind, *name;
        txn_kind txn;
    } kinds[] = {
        {"TRANS_STMT_BEGIN", "BEGIN", TXN_BEGIN},
        {"TRANS_STMT_START", "START TRANSACTION", TXN_BEGIN},
        {"TRANS_STMT_COMMIT", "COMMIT", TXN_COMMIT},
        {"TRANS_STMT_ROLLBACK", "ROLLBACK", TXN_ROLLBACK},
        {"TRANS_STMT_PREPARE", "PREPARE TRANSACTION", TXN_PREPARE},
        {"TRANS_STMT_COMMIT_PREPARED", "COMMIT PREPARED", TXN_COMMIT_PREPARED},
        {"TRANS_STMT_ROLLBACK_PREPARED", "ROLLBACK PREPARED", TXN_ROLLBACK_PREPARED},
        {"TRANS_STMT_SAVEPOINT", "SAVEPOINT", TXN_SAVEPOINT},
        {"TRANS_STMT_RELEASE", "RELEASE SAVEPOINT", TXN_RELEASE},
        {"TRANS_STMT_ROLLBACK_TO", "ROLLBACK TO SAVEPOINT", TXN_ROLLBACK_TO},
    };
    const char *tk = str_field(u->node, PGF_kind);
    for (size_t i = 0; tk && i < ARRAY_SIZE(kinds); i++) {
        if (strcmp(kinds[i].kind, tk) == 0) {
            u->txn = kinds[i].txn;
            u->txn_name = kinds[i].name;
        }
    }
    if (u->txn == TXN_COMMIT_PREPARED)
        u->no_txn_what = "COMMIT PREPARED";
    else if (u->txn == TXN_ROLLBACK_PREPARED)
        u->no_txn_what = "ROLLBACK PREPARED";
    u->chain = bool_field(u->node, PGF_chain);
    u->savepoint = str_field(u->node, PGF_savepoint_name);
}
