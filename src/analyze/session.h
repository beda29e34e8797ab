/*
 * session.h: the state of the session a script runs in, as it stands before each
 * statement, modelled once for every consumer (the gate, the rules, apply).
 *
 * What it follows, unit by unit (session_advance() after each raw statement):
 *   - transactions: BEGIN ... COMMIT/ROLLBACK blocks, savepoints (SAVEPOINT,
 *     RELEASE, ROLLBACK TO), AND CHAIN, PREPARE TRANSACTION; and the transaction
 *     pgward apply wraps a file in: the statements of a file without a
 *     no-transaction directive (script/directives.h) run in one transaction (a
 *     COMMIT or ROLLBACK ends it and the rest runs in another) until the script
 *     begins transactions itself (its first BEGIN), from where on it is read as
 *     psql runs it, each statement outside a block on its own (a runner model
 *     without file transactions, session_set_autocommit(), reads every file so);
 *   - settings (search_path, lock_timeout, ... any name) with PostgreSQL's rules:
 *     SET lasts, SET LOCAL ends with its transaction, ROLLBACK undoes what the
 *     transaction set and ROLLBACK TO what was set since the savepoint, RESET and
 *     RESET ALL / DISCARD ALL restore defaults; a setting changed through
 *     set_config() becomes unknown (pgward does not replay it) unless the call is
 *     all its statement does; search_path changed in a DO block becomes unknown;
 *   - the objects the script created (and renamed), how (plainly, IF NOT EXISTS,
 *     OR REPLACE), under which search_path, a routine's signature, and whether a
 *     DROP, RENAME or ROLLBACK undid them; subscriptions known to have no
 *     replication slot;
 *   - what psql variables set by \gset carry: the relations their data came from.
 * Nothing here is global: scripts can be analysed on parallel threads.
 */
#ifndef PGWARD_SESSION_H
#define PGWARD_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "analyze/facts.h"
#include "script/directives.h"

typedef struct session session;

/* Where a statement is, for messages about it after it is gone (streaming). */
typedef struct stmt_anchor {
    const source *src;
    size_t offset;
    int line;
} stmt_anchor;

session *session_new(void);
/* The search_path the session starts with (and RESET returns to), when something
   other than the server's default pins it: pgward apply pins a restricted role's
   (policy/pinned.h). path is read as PostgreSQL reads a search_path string. */
void session_pin_search_path(session *s, const char *path);
void session_free(session *s);

/* Where the statement about to be analysed comes from (analyze_begin calls it). */
void session_enter(session *s, const statement *st);

/*
 * The runner's model runs no file in a transaction of its own (psql's autocommit):
 * every file is read as one with a no-transaction directive (script/directives.h).
 * Before the first statement.
 */
void session_set_autocommit(session *s, bool autocommit);
/* Whose no-transaction directives count (the runner model's): runner, a runner's
   name (script/directives.h); NULL: every runner's (the default); "": none. */
void session_set_directive_runner(session *s, const char *runner);
/* Directives read from a file beside the script (script/directives.h side_file) do
   not count: the scripts go into a bundle, which does not carry that file. */
void session_set_bundled(session *s, bool bundled);

/* Applies unit u of f (analysed with analyze_unit) to the session. */
void session_advance(session *s, const stmt_facts *f, size_t u);

/* ---- transactions */

/* Whether the current statement's file runs outside a transaction: it has a
   no-transaction directive (script/directives.h; it covers the file it is in, not
   the files that file includes), or the runner's model says so. */
bool session_file_no_transaction(const session *s);
/* The directive of the current statement's file, or NULL. */
const txn_directive *session_file_directive(const session *s);

/* Inside an explicit BEGIN ... COMMIT block. */
bool session_in_block(const session *s);
/* Where the open block began (valid while session_in_block()). */
stmt_anchor session_block_start(const session *s);
/* Inside a transaction: an explicit block, or the one apply wraps the file in. */
bool session_in_transaction(const session *s);
/* Inside only the transaction apply is assumed to wrap the file in: true until the
   script's first BEGIN (findings that depend on it hold only when the script never
   begins transactions itself: see session_controls_transactions). */
bool session_txn_assumed(const session *s);
/* Whether the script has begun a transaction itself (BEGIN) so far. */
bool session_controls_transactions(const session *s);
/* A number that changes whenever a transaction ends or begins. */
unsigned long session_txn_generation(const session *s);

/* ---- settings */

typedef struct setting_value {
    const char *const *elts; /* the elements (search_path: one per schema) */
    size_t nelts;
    bool is_default;         /* never set, or reset */
    bool known;              /* false: changed in a way pgward does not replay */
} setting_value;

/* The value of setting name (lowercase) in force now. */
setting_value session_setting(const session *s, const char *name);

/* search_path in force: its elements, or NULL when unknown. */
const char *const *session_search_path(const session *s, size_t *n);
/* The schema an unqualified name resolves to: the first real entry. */
const char *session_default_schema(const session *s);
/* Whether search_path is known and pg_catalog is searched before every schema
   other than pg_temp and information_schema (not listed: it is searched first). */
bool session_catalog_searched_first(const session *s);
/* Whether search_path has several schemas an unqualified name could land in
   (or is unknown). */
bool session_search_path_ambiguous(const session *s);

/*
 * The search_path a name of statement f is looked up with (path: a rel_ref's,
 * call_ref's or path_ref's): a body's (facts.h: search_path_state), or with -1
 * the session's in force now. NULL when it is not known, *why then saying why.
 */
const char *const *session_lookup_path(const session *s, const stmt_facts *f, int path,
                                       size_t *n, const char **why);

/*
 * Whether a known search_path (elts) sends names of kind only to schemas no
 * other role can create objects in: NULL when it does, else why not (malloc'd
 * phrase: "it does not list pg_temp, which is then searched first"). Functions
 * and operators are never looked up in pg_temp; relations and types are, first
 * unless pg_temp is listed, so there it must be listed last. Trusted: pg_catalog;
 * in an extension script (extension) the schemas the script created with a plain
 * CREATE SCHEMA and extschema (the extension's own, or NULL), elsewhere every
 * schema but public and "$user".
 */
char *session_path_untrusted(const session *s, const char *const *elts, size_t n,
                             lookup_kind kind, bool extension, const char *extschema);

/* Whether a timeout-like setting is in force with a non-zero value (or set to a
   value pgward cannot see). */
bool session_setting_nonzero(const session *s, const char *name);

/* ---- objects */

/* Whether the script created an object of one of the kinds in mask (1u << OBJ_*)
   matching name (qname_match), or renamed one to it. */
bool session_created(const session *s, unsigned mask, qname name);
/*
 * Whether the script created an object of one of the kinds in mask with a plain
 * CREATE (no IF NOT EXISTS, no OR REPLACE, not temporary), not dropped, renamed or
 * rolled back since: then a CREATE OR REPLACE or IF NOT EXISTS of it meets the script's own
 * object, not one another role planted. The name must be written the same way
 * (with the same schema, or unqualified both times under the same search_path);
 * args (obj_ref.args) the same for routines (with parameters: under the same
 * search_path, which resolves their types), NULL for other objects.
 */
bool session_created_plainly(const session *s, unsigned mask, qname name, const char *args);
/* Whether a schema was created by a plain CREATE SCHEMA (not IF NOT EXISTS). */
bool session_schema_created(const session *s, const char *schema);
/* Whether subscription name is known to have no replication slot. */
bool session_subscription_slotless(const session *s, const char *name);

/* Whether the script prepared a statement (prepared) or declared a cursor of that
   name: an EXECUTE or FETCH of another runs what the analysis never saw. */
bool session_has_portal(const session *s, bool prepared, const char *name);

/* ---- variables */

/* The relations whose data \gset variables may carry (unit u of f reads them
   through variables), and those a FETCH or EXECUTE could read. */
const rel_ref *session_gset_reads(const session *s, size_t *n);
/* The schemas every statement so far read: what psql's result variables (ROW_COUNT,
   ERROR, SQLSTATE, LAST_ERROR_*) and the choice of an \if branch on a run-time
   value can carry into a statement. */
const rel_ref *session_result_reads(const session *s, size_t *n);

#endif
