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
 *   lock_tracker_sent(&t, seq, st->kind, st->text); // before sending statement seq
 *   cJSON *taken = lock_tracker_take(&t, res, seq); // [{"relation": ..., "mode": ...}]
 *   lock_tracker_reset(&t);                      // a new transaction
 *   lock_tracker_free(&t);
 */
#ifndef PGWARD_APPLY_LOCKS_H
#define PGWARD_APPLY_LOCKS_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "base/util.h"

/*
 * The session's granted relation locks: oid, schema, name, mode, object type. Every
 * name is qualified and every operator spelled OPERATOR(pg_catalog.x): it runs
 * inside the script's transaction, under whatever search_path the script set. It
 * runs after every statement, so it is kept cheap (no join to plan: about 0.1 ms,
 * bench/README.md): the catalogs' own locks are left out by oid (every relation
 * made by initdb has one below 16384; DDL locks pg_class and the like, which says
 * nothing about the user's tables), and the object's name comes from
 * pg_identify_object, NULL for a relation dropped in this transaction. $1: the
 * locks already known (lock_tracker_known), left out.
 */
extern const char apply_locks_sql[];

typedef struct lock_held {
    unsigned oid;
    char *mode;
    char *relation; /* schema.name, the name it had when first seen */
    bool created;   /* made by this transaction: no other session waits for it */
} lock_held;

typedef struct lock_created {
    int seq;      /* the statement's (applier.seq) */
    char *schema; /* NULL: unqualified */
    char *name;
} lock_created;

typedef struct lock_tracker {
    lock_created *creates; /* what statements sent since the last listing create */
    size_t ncreates, capcreates;
    lock_held *held;  /* sorted by oid, then mode: a transaction may hold thousands */
    size_t n, cap;
    strbuf keys;      /* "oid:mode" of each, comma-separated (lock_tracker_known) */
    strbuf param;
} lock_tracker;

/*
 * Before statement seq is sent: when it creates a relation (CREATE TABLE [AS], VIEW,
 * MATERIALIZED VIEW, SEQUENCE, INDEX; kind as statement.kind), its name, parsed
 * from text, is remembered until the listing after it. A relation of that name first
 * locked in that listing, and every later lock on it in this transaction, is
 * "created": other sessions cannot see it before the commit, so its locks keep none
 * of them waiting. A window of statements may create several.
 */
void lock_tracker_sent(lock_tracker *t, int seq, const char *kind, const char *text);

/* The locks in res (apply_locks_sql's rows, listed after statement seq) the
   transaction did not hold before, remembered now: a JSON array of {relation,
   mode[, created]}, empty when the statement (or its window) took none. Only what
   statements up to seq create counts as created: in the pipeline later ones may
   have been sent already. */
cJSON *lock_tracker_take(lock_tracker *t, const PGresult *res, int seq);

/*
 * apply_locks_sql's parameter: the locks already known, as a text array of
 * "oid:mode", so that the server leaves them out (a hashed lookup) and lists, and
 * names, only the new ones: a transaction that creates 2,000 tables would otherwise
 * have every listing name every lock again. Valid until the next call.
 */
const char *lock_tracker_known(lock_tracker *t);

/* Forgets the held locks: the transaction ended. */
void lock_tracker_reset(lock_tracker *t);
void lock_tracker_free(lock_tracker *t);

#endif
