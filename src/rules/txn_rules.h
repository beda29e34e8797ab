/*
 * txn_rules.h: what `pgward apply` needs to know about transactions in a script.
 *
 * apply runs each file inside a transaction (the bundle's, or its own) unless the
 * file says otherwise with a directive: `-- pgward:no-transaction` on a line of its
 * own, or another runner's (script/directives.h: dbmate, goose, graphile-migrate,
 * postgres-migrations, Flyway). It covers the file it is written in, not the files
 * that file includes (each is judged by its own text: statement->src).
 *
 * A file-level transaction: a file whose statements all sit inside one top-level
 * BEGIN (START TRANSACTION) ... COMMIT (END) pair, proven on what the reader saw:
 * the file's first statement is that BEGIN alone (no READ ONLY), its last that
 * COMMIT alone (no AND CHAIN), both written in the file itself without variables,
 * no other statement begins or ends a transaction (savepoints are fine), no
 * statement depends on run-time values or \if, and the only meta-commands are
 * ones that run no SQL (\set, \unset, \echo, \qecho, \warn, \pset, \timing,
 * \x, \conninfo, \restrict, \unrestrict, \i, \ir, \q). Lint then reports nothing
 * about the pair, and apply runs the file as it runs any file in a transaction,
 * without sending the pair (statement.file_txn). Anything else is read as before.
 *
 * How the scripts are run is a runner model (runner_model: --runner): pgward's (and
 * dbmate's, goose's, Flyway's, graphile-migrate's, postgres-migrations') one
 * transaction per file, psql's (and sqitch's) autocommit, golang-migrate's one
 * multi-statement query per file. Every transaction finding names the model.
 *
 * The transaction rules (txn_checker, run by lint.c) report, for lint, bundle and
 * apply alike, at most one finding
 * per statement:
 *   no-transaction-required  a statement PostgreSQL refuses inside a transaction
 *                            block (CREATE/DROP INDEX CONCURRENTLY, REINDEX
 *                            CONCURRENTLY, VACUUM, ALTER SYSTEM, CREATE/DROP
 *                            DATABASE, ...) in a file without the directive (error)
 *   no-transaction-mixed     the directive on a file that also holds other
 *                            statements: they would run one by one, without the
 *                            all-or-nothing guarantee (warning; once per file, at the
 *                            first statement that neither needs the directive nor is
 *                            a SET, RESET or SHOW)
 *   transaction-control      BEGIN, COMMIT, ROLLBACK, END, PREPARE TRANSACTION ...
 *                            in a file apply wraps in a transaction: it would end
 *                            or nest apply's transaction (error); savepoints are fine
 * Severities come from the policy when one is given (`rule ID error|warning|off`);
 * a rule it does not name keeps the default above. Statements that do not parse are
 * left to syntax-error.
 */
#ifndef PGWARD_TXN_RULES_H
#define PGWARD_TXN_RULES_H

#include <stdbool.h>

#include "analyze/facts.h"
#include "policy/policy.h"
#include "rules/rules.h"
#include "script/script.h"


/* How a runner runs a file (runner_model.how). */
typedef enum runner_how {
    RUN_FILE_TXN,    /* one transaction per file, unless a directive says otherwise */
    RUN_AUTOCOMMIT,  /* no transaction of its own: each statement outside BEGIN ...
                        COMMIT commits on its own (psql) */
    RUN_ONE_QUERY,   /* the file is one multi-statement query: one implicit
                        transaction, which BEGIN ... COMMIT may take over */
} runner_how;

/* One runner's model, as lint's messages describe it. */
typedef struct runner_model {
    const char *name;      /* --runner NAME */
    runner_how how;
    const char *model;     /* "each file runs in one transaction, as ... does" */
    const char *opt_out;   /* how to take a file out of it ("mark the file ..."), or
                              NULL when there is no transaction to leave */
    const char *where;     /* where a statement refused in a block can run: "in a
                              file marked ..." */
    const char *one_query; /* the runner sends a marked file as one query all the
                              same (PostgreSQL runs it as one transaction): why, for
                              messages; NULL when it sends statements one by one */
    const char *honours;   /* whose no-transaction directive it reads: a runner's name
                              (script/directives.h), NULL: every runner's (pgward apply
                              understands them all), "": none */
    bool sections;         /* it runs only a dbmate or goose file's up part (else the
                              whole file is read: script_options.whole_files) */
} runner_model;

/* The model named name, or NULL. NULL as a name: pgward's. */
const runner_model *runner_model_find(const char *name);
/* The model script s runs under: CREATE EXTENSION's for an extension script
   (lint_script_kind), else the run's (cfg->runner, or pgward's). s may be NULL. */
const runner_model *runner_model_of(const lint_config *cfg, const script *s);

/* Whether s (read with every statement kept, lint_file_keeping) is a file-level
   transaction: its first statement is the pair's BEGIN, its last the pair's COMMIT. */
bool txn_file_level(const script *s);

/* Whether src holds a no-transaction directive (script/directives.h) that a bundle
   carries (not Flyway's .conf beside the script). */
bool txn_source_no_transaction(const source *src);

/*
 * Whether the statement cannot run inside a transaction block (PostgreSQL 15's
 * PreventInTransactionBlock): CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY,
 * REINDEX SCHEMA/SYSTEM/DATABASE, VACUUM (not ANALYZE), CLUSTER without a table,
 * CREATE/DROP DATABASE, ALTER DATABASE SET TABLESPACE, CREATE/DROP TABLESPACE, ALTER
 * SYSTEM, DISCARD ALL, CREATE SUBSCRIPTION creating a slot, DROP SUBSCRIPTION (the
 * slot is in the catalog: assumed), ALTER SUBSCRIPTION REFRESH PUBLICATION and SET/
 * ADD/DROP PUBLICATION with refresh, ALTER TABLE DETACH PARTITION CONCURRENTLY,
 * COMMIT/ROLLBACK PREPARED. What depends on the catalog (REINDEX or CLUSTER of a
 * partitioned table) is not known. With \; any part counts. False when it did not
 * parse.
 */
bool txn_statement_needs_no_transaction(const statement *st);

/*
 * For a statement that must run outside a transaction, how a resumed apply can
 * tell afterwards whether it ran when its outcome was lost, or NULL (only the
 * operator can). NUL-separated parts ending in an empty one (identifiers never hold
 * a NUL), malloc'd: "idempotent", WHAT (VACUUM, REINDEX, CLUSTER: running it again
 * is harmless); "index", SCHEMA, TABLE, NAME (CREATE INDEX CONCURRENTLY on a
 * schema-qualified table: it ran when the index exists and is valid); "no-index",
 * SCHEMA, NAME (DROP INDEX CONCURRENTLY of one qualified index: it ran when the
 * index is gone). NULL when it did not parse.
 */
char *txn_statement_resume_check(const statement *st);

/* The same two answers from facts the caller already has (every unit analysed):
   what lint keeps for apply when the parse tree goes, without a second analysis. */
bool txn_facts_outside_block(const stmt_facts *f);
char *txn_facts_resume_check(const stmt_facts *f);

/*
 * Whether the statement starts or ends a transaction: BEGIN, START TRANSACTION,
 * COMMIT (END), ROLLBACK (ABORT), PREPARE TRANSACTION, and COMMIT/ROLLBACK PREPARED
 * (which also need no transaction). Not SAVEPOINT, RELEASE or ROLLBACK TO. False when
 * it did not parse.
 */
bool txn_statement_is_control(const statement *st);


#endif
