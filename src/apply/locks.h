/*
 * locks.h: the relation locks each statement of a run took, for the audit trail
 * (audit.locks, sql/audit.sql).
 *
 * After a statement that ran inside a transaction, apply asks the server which
 * relation locks its session holds (APPLY_LOCKS_SQL, in the same transaction: in
 * the pipeline right behind the statement). What the transaction did not hold
 * before the statement is what the statement took; a stronger mode on a relation
 * already locked counts as taken. Locks of a statement that ran outside a
 * transaction ended with it: they are not observed, and nothing is recorded.
 *
 *   lock_tracker t = {0};
 *   cJSON *taken = lock_tracker_take(&t, res);  // [{"relation": ..., "mode": ...}]
 *   lock_tracker_reset(&t);                      // a new transaction
 *   lock_tracker_free(&t);
 */
#ifndef PGWARD_APPLY_LOCKS_H
#define PGWARD_APPLY_LOCKS_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

/*
 * The session's granted relation locks: oid, schema, name, mode, object type. Every
 * name is qualified and every operator spelled OPERATOR(pg_catalog.x): it runs
 * inside the script's transaction, under whatever search_path the script set. It
 * runs after every statement, so it is kept cheap (no join to plan: about 0.1 ms,
 * bench/README.md): the catalogs' own locks are left out by oid (every relation
 * made by initdb has one below 16384; DDL locks pg_class and the like, which says
 * nothing about the user's tables), and the object's name comes from
 * pg_identify_object, NULL for a relation dropped in this transaction.
 */
extern const char apply_locks_sql[];

typedef struct lock_held {
    unsigned oid;
    char *mode;
    char *relation; /* schema.name, the name it had when first seen */
    bool created;   /* made by this transaction: no other session waits for it */
} lock_held;

typedef struct lock_tracker {
    lock_held *held;
    size_t n, cap;
} lock_tracker;

/*
 * The relation the statement creates (CREATE TABLE [AS], VIEW, MATERIALIZED VIEW,
 * SEQUENCE, INDEX), parsed from its text: *schema (NULL when unqualified) and *name,
 * malloc'd. False for any other statement.
 */
bool lock_created_relation(const char *text, char **schema, char **name);

/*
 * The locks in res (apply_locks_sql's rows) the transaction did not hold before,
 * remembered now: a JSON array of {relation, mode[, created]}, empty when the
 * statement took none. created_name (schema may be NULL): what the statement
 * creates (lock_created_relation), or NULL; a relation of that name first locked
 * now, and every later lock on it in this transaction, is "created": other sessions
 * cannot see it before the commit, so its locks keep none of them waiting.
 */
cJSON *lock_tracker_take(lock_tracker *t, const PGresult *res, const char *created_schema,
                         const char *created_name);

/* Forgets the held locks: the transaction ended. */
void lock_tracker_reset(lock_tracker *t);
void lock_tracker_free(lock_tracker *t);

#endif
