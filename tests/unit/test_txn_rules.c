/*
 * test_txn_rules.c: what apply needs to know about transactions (txn_rules.h):
 * which statements PostgreSQL 15 refuses inside a transaction block, which ones
 * start or end a transaction, the `-- pgward:no-transaction` directive, and the
 * findings the transaction rules add with and without a policy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/lint.h"
#include "rules/txn_rules.h"
#include "script/directives.h"
#include "test_helpers.h"

/* The transaction rules alone over s, with policy p (may be NULL). */
static void txn_check_script(const policy *p, script *s)
{
    lint_config cfg = {.policy = p};
    lint_check_modules(&cfg, NULL, s, 1u << LINT_TXN);
}

/* ------------------------------------------------------------------ statements */

typedef struct stmt_case {
    const char *sql;
    bool needs;    /* txn_statement_needs_no_transaction */
    bool control;  /* txn_statement_is_control */
} stmt_case;

static const stmt_case stmt_cases[] = {
    /* indexes */
    {"CREATE INDEX CONCURRENTLY i ON t (a);", true, false},
    {"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON s.t (a);", true, false},
    {"CREATE INDEX i ON t (a);", false, false},
    {"DROP INDEX CONCURRENTLY i;", true, false},
    {"DROP INDEX CONCURRENTLY IF EXISTS s.i;", true, false},
    {"DROP INDEX i;", false, false},
    /* REINDEX */
    {"REINDEX TABLE CONCURRENTLY t;", true, false},
    {"REINDEX INDEX CONCURRENTLY i;", true, false},
    {"REINDEX (CONCURRENTLY) TABLE t;", true, false},
    {"REINDEX (VERBOSE, CONCURRENTLY true) TABLE t;", true, false},
    {"REINDEX (CONCURRENTLY false) TABLE t;", false, false},
    {"REINDEX (CONCURRENTLY off) INDEX i;", false, false},
    {"REINDEX (CONCURRENTLY 0) INDEX i;", false, false},
    {"REINDEX TABLE t;", false, false},
    {"REINDEX INDEX i;", false, false},
    {"REINDEX SCHEMA s;", true, false},
    {"REINDEX SYSTEM d;", true, false},
    {"REINDEX DATABASE d;", true, false},
    /* VACUUM, ANALYZE, CLUSTER */
    {"VACUUM;", true, false},
    {"VACUUM t;", true, false},
    {"VACUUM (ANALYZE, VERBOSE) t;", true, false},
    {"VACUUM FULL ANALYZE t;", true, false},
    {"ANALYZE;", false, false},
    {"ANALYZE VERBOSE t (a);", false, false},
    {"CLUSTER;", true, false},
    {"CLUSTER VERBOSE;", true, false},
    {"CLUSTER t;", false, false},
    {"CLUSTER t USING i;", false, false},
    /* databases, tablespaces, the system */
    {"CREATE DATABASE d;", true, false},
    {"DROP DATABASE d;", true, false},
    {"DROP DATABASE IF EXISTS d WITH (FORCE);", true, false},
    {"ALTER DATABASE d SET TABLESPACE ts;", true, false},
    {"ALTER DATABASE d CONNECTION LIMIT 3;", false, false},
    {"ALTER DATABASE d SET work_mem = '64MB';", false, false},
    {"ALTER DATABASE d RENAME TO e;", false, false},
    {"CREATE TABLESPACE ts LOCATION '/srv/ts';", true, false},
    {"DROP TABLESPACE ts;", true, false},
    {"ALTER TABLESPACE ts RENAME TO ts2;", false, false},
    {"ALTER SYSTEM SET work_mem = '64MB';", true, false},
    {"ALTER SYSTEM RESET ALL;", true, false},
    {"DISCARD ALL;", true, false},
    {"DISCARD PLANS;", false, false},
    /* logical replication */
    {"CREATE SUBSCRIPTION s CONNECTION 'host=a' PUBLICATION p;", true, false},
    {"CREATE SUBSCRIPTION s CONNECTION 'host=a' PUBLICATION p WITH (create_slot);", true, false},
    {"CREATE SUBSCRIPTION s CONNECTION 'host=a' PUBLICATION p WITH (create_slot = false);",
     false, false},
    {"CREATE SUBSCRIPTION s CONNECTION 'host=a' PUBLICATION p WITH (connect = false);", false,
     false},
    {"CREATE SUBSCRIPTION s CONNECTION 'host=a' PUBLICATION p "
     "WITH (create_slot = false, slot_name = NONE, enabled = false);",
     false, false},
    {"DROP SUBSCRIPTION s;", true, false},
    {"DROP SUBSCRIPTION IF EXISTS s CASCADE;", true, false},
    {"ALTER SUBSCRIPTION s REFRESH PUBLICATION;", true, false},
    {"ALTER SUBSCRIPTION s REFRESH PUBLICATION WITH (copy_data = false);", true, false},
    {"ALTER SUBSCRIPTION s SET PUBLICATION p;", true, false},
    {"ALTER SUBSCRIPTION s ADD PUBLICATION p;", true, false},
    {"ALTER SUBSCRIPTION s DROP PUBLICATION p;", true, false},
    {"ALTER SUBSCRIPTION s SET PUBLICATION p WITH (refresh = false);", false, false},
    {"ALTER SUBSCRIPTION s DISABLE;", false, false},
    {"ALTER SUBSCRIPTION s SET (slot_name = NONE);", false, false},
    {"CREATE PUBLICATION p FOR ALL TABLES;", false, false},
    /* partitions */
    {"ALTER TABLE t DETACH PARTITION t_2020 CONCURRENTLY;", true, false},
    {"ALTER TABLE t DETACH PARTITION t_2020;", false, false},
    {"ALTER TABLE t DETACH PARTITION t_2020 FINALIZE;", false, false},
    {"ALTER TABLE t ADD COLUMN b int;", false, false},
    /* transaction control */
    {"BEGIN;", false, true},
    {"BEGIN ISOLATION LEVEL SERIALIZABLE;", false, true},
    {"START TRANSACTION;", false, true},
    {"COMMIT;", false, true},
    {"COMMIT AND CHAIN;", false, true},
    {"END;", false, true},
    {"ROLLBACK;", false, true},
    {"ABORT;", false, true},
    {"PREPARE TRANSACTION 'x';", false, true},
    {"COMMIT PREPARED 'x';", true, true},
    {"ROLLBACK PREPARED 'x';", true, true},
    {"SAVEPOINT a;", false, false},
    {"RELEASE SAVEPOINT a;", false, false},
    {"ROLLBACK TO SAVEPOINT a;", false, false},
    {"ROLLBACK TO a;", false, false},
    {"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;", false, false},
    /* ordinary statements, oddities */
    {"SELECT 1;", false, false},
    {"CREATE TABLE t (a int);", false, false},
    {"SET lock_timeout = '5s';", false, false},
    {"DO $$BEGIN COMMIT; END$$;", false, false},
    {"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;", false, false},
    {"SELECT 1\\; VACUUM;", true, false},
    {"SELECT 1\\; COMMIT;", false, true},
    {"/* only a comment */", false, false},
    {"VACUUM t", true, false}, /* without ; at the end of the file */
    {"VACUUUM t;", false, false}, /* does not parse */
    {"CREATE INDEX CONCURRENTLY ON;", false, false},
    {"BEGN;", false, false},
};

static void test_statements(void **state)
{
    (void)state;
    script_options opt = script_options_default();
    int failures = 0;
    for (size_t i = 0; i < sizeof(stmt_cases) / sizeof(stmt_cases[0]); i++) {
        const stmt_case *c = &stmt_cases[i];
        script *s = script_read_memory("t.sql", c->sql, strlen(c->sql), &opt);
        if (s->nstmts != 1) {
            print_error("%s: %zu statements\n", c->sql, s->nstmts);
            failures++;
        } else {
            bool needs = txn_statement_needs_no_transaction(&s->stmts[0]);
            bool control = txn_statement_is_control(&s->stmts[0]);
            if (needs != c->needs || control != c->control) {
                print_error("%s: needs %d control %d, expected %d %d\n", c->sql, needs,
                            control, c->needs, c->control);
                failures++;
            }
        }
        script_free(s);
    }
    script_options_free(&opt);
    assert_int_equal(failures, 0);
}

/* How a resumed apply can tell whether a statement left in doubt ran: parts joined
   with '|' here (the result separates them with NUL). */
static void test_resume_check(void **state)
{
    (void)state;
    static const struct {
        const char *sql, *want; /* NULL: only the operator can tell */
    } cases[] = {
        {"CREATE INDEX CONCURRENTLY t_x ON app.t (x)", "index|app|t|t_x"},
        {"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"a b\" ON \"S\".\"T\" (x)",
         "index|S|T|a b"},
        {"CREATE INDEX CONCURRENTLY t_x ON t (x)", NULL},   /* unqualified: path unknown */
        {"CREATE INDEX CONCURRENTLY ON app.t (x)", NULL},   /* the server picks the name */
        {"DROP INDEX CONCURRENTLY app.t_x", "no-index|app|t_x"},
        {"DROP INDEX CONCURRENTLY IF EXISTS app.t_x", "no-index|app|t_x"},
        {"DROP INDEX CONCURRENTLY t_x", NULL},
        {"VACUUM app.t", "idempotent|VACUUM"},
        {"REINDEX TABLE CONCURRENTLY app.t", "idempotent|REINDEX CONCURRENTLY"},
        {"CLUSTER", "idempotent|CLUSTER without a table name"},
        {"CREATE DATABASE x", NULL},
        {"ALTER SYSTEM SET work_mem = '8MB'", NULL},
        {"INSERT INTO app.t VALUES (1)", NULL},
        {"CREATE INDEX CONCURRENTLY t_x ON app.t (x) \\; SELECT 1", NULL},
    };
    script_options opt = script_options_default();
    int failures = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        script *s = script_read_memory("t.sql", cases[i].sql, strlen(cases[i].sql), &opt);
        assert_int_equal(s->nstmts, 1);
        char *got = txn_statement_resume_check(&s->stmts[0]);
        strbuf sb = {0};
        for (const char *p = got; p && *p; p += strlen(p) + 1)
            sb_addf(&sb, "%s%s", sb.len ? "|" : "", p);
        const char *have = got ? (sb.buf ? sb.buf : "") : NULL;
        if ((have == NULL) != (cases[i].want == NULL) ||
            (have && strcmp(have, cases[i].want) != 0)) {
            print_error("%s: got %s, expected %s\n", cases[i].sql, have ? have : "NULL",
                        cases[i].want ? cases[i].want : "NULL");
            failures++;
        }
        sb_free(&sb);
        free(got);
        script_free(s);
    }
    script_options_free(&opt);
    assert_int_equal(failures, 0);
}

/* ------------------------------------------------------------------ directive */

typedef struct directive_case {
    const char *text;
    bool marked;
} directive_case;

static const directive_case directive_cases[] = {
    {"-- pgward:no-transaction\nVACUUM;\n", true},
    {"-- pgward:no-transaction", true},                 /* no newline at the end */
    {"  \t-- pgward:no-transaction\nVACUUM;\n", true},  /* leading whitespace */
    {"-- pgward:no-transaction \t\nVACUUM;\n", true},   /* trailing whitespace */
    {"-- pgward:no-transaction\r\nVACUUM;\r\n", true},  /* CRLF */
    {"SELECT 1;\n\n-- pgward:no-transaction\n", true},  /* any line of the file */
    {"-- a comment\n-- pgward:no-transaction\n-- another\n", true},
    {"", false},
    {"VACUUM;\n", false},
    {"--pgward:no-transaction\nVACUUM;\n", false},      /* exact: one space */
    {"--  pgward:no-transaction\n", false},
    {"-- pgward: no-transaction\n", false},
    {"-- PGWARD:NO-TRANSACTION\n", false},              /* case-sensitive */
    {"-- pgward:no-transactions\n", false},
    {"-- pgward:no-transaction please\n", false},
    {"-- pgward:no-transaction-mixed\n", false},
    {"VACUUM; -- pgward:no-transaction\n", false},      /* not a line of its own */
    {"/* -- pgward:no-transaction */\n", false},
    {"# pgward:no-transaction\n", false},
    {"-- pgward:no-transactio\n", false},
    {"-- pgward:no-transactio", false},
};

static void test_directive(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof(directive_cases) / sizeof(directive_cases[0]); i++) {
        const directive_case *c = &directive_cases[i];
        source *src = source_from_memory("d.sql", NULL, c->text, strlen(c->text));
        if (txn_source_no_transaction(src) != c->marked) {
            print_error("directive case %zu: expected %d for \"%s\"\n", i, c->marked, c->text);
            failures++;
        }
        source_free(src);
    }
    assert_false(txn_source_no_transaction(NULL));
    assert_int_equal(failures, 0);
}

/* Each runner's directive where that runner reads it, and the up part's end. */
typedef struct runner_case {
    const char *text;
    const char *runner;  /* the directive found, or NULL */
    int up_end;          /* -1: the whole file */
} runner_case;

static const runner_case runner_cases[] = {
    /* dbmate: ^--\s*migrate:up with transaction:false among its words */
    {"-- migrate:up transaction:false\nVACUUM;\n", "dbmate", -1},
    {"--migrate:up   transaction:false\nVACUUM;\n", "dbmate", -1},
    {"-- a comment\n\n-- migrate:up foo:bar transaction:false\nVACUUM;\n", "dbmate", -1},
    {"-- migrate:up\nVACUUM;\n", NULL, -1},
    {"-- migrate:up transaction:true\nVACUUM;\n", NULL, -1},
    {"SELECT 1;\n-- migrate:up transaction:false\n", NULL, -1}, /* a statement above */
    {"  -- migrate:up transaction:false\n", NULL, -1},           /* not at the line start */
    {"-- migrate:upper transaction:false\n", NULL, -1},
    /* the down part is cut off, and a directive in it does not count */
    {"-- migrate:up\nSELECT 1;\n-- migrate:down\nDROP TABLE t;\n", NULL, 24},
    {"-- migrate:up\nSELECT 1;\n-- migrate:down\n-- pgward:no-transaction\n", NULL, 24},
    {"-- migrate:down\nSELECT 1;\n", NULL, -1},                 /* no up marker before it */
    /* goose: a line starting with "--" whose trimmed rest is the annotation, anywhere */
    {"-- +goose Up\n-- +goose NO TRANSACTION\nVACUUM;\n", "goose", -1},
    {"--+goose NO TRANSACTION  \r\n", "goose", -1},
    {"-- +goose Up\nVACUUM;\n-- +goose Down\n-- +goose NO TRANSACTION\n", "goose", 21},
    {" -- +goose NO TRANSACTION\n", NULL, -1},
    {"-- +goose no transaction\n", NULL, -1},
    /* graphile-migrate: ^--!\s*no-transaction\b on the body's first line */
    {"--! no-transaction\nVACUUM;\n", "graphile-migrate", -1},
    {"--!no-transaction -- because\nVACUUM;\n", "graphile-migrate", -1},
    {"--! Previous: -\n--! Hash: sha1:ab\n\n--! no-transaction\nVACUUM;\n", "graphile-migrate",
     -1},
    {"\n--! no-transaction\nVACUUM;\n", NULL, -1},
    {"VACUUM;\n--! no-transaction\n", NULL, -1},
    {"--! no-transactions\n", NULL, -1},
    /* postgres-migrations: the text anywhere */
    {"-- postgres-migrations disable-transaction\nVACUUM;\n", "postgres-migrations", -1},
    {"VACUUM; -- postgres-migrations disable-transaction\n", "postgres-migrations", -1},
    {"-- postgres-migrations  disable-transaction\n", NULL, -1},
    /* pgward's own wins when a file has several */
    {"-- +goose NO TRANSACTION\n-- pgward:no-transaction\n", "pgward", -1},
};

static void test_runner_directives(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof(runner_cases) / sizeof(runner_cases[0]); i++) {
        const runner_case *c = &runner_cases[i];
        source *src = source_from_memory("d.sql", NULL, c->text, strlen(c->text));
        const txn_directive *d = source_txn_directive(src);
        size_t end = c->up_end < 0 ? strlen(c->text) : (size_t)c->up_end;
        if ((d ? d->runner : NULL) != c->runner &&
            (!d || !c->runner || strcmp(d->runner, c->runner) != 0)) {
            print_error("runner case %zu: expected %s, got %s for \"%s\"\n", i,
                        c->runner ? c->runner : "none", d ? d->runner : "none", c->text);
            failures++;
        }
        if (source_up_end(src) != end) {
            print_error("runner case %zu: up part ends at %zu, expected %zu\n", i,
                        source_up_end(src), end);
            failures++;
        }
        source_free(src);
    }
    assert_int_equal(failures, 0);
}

/* ------------------------------------------------------------------ the check */

#define MAX_FINDINGS 8

typedef struct check_case {
    const char *name;
    const char *input;
    const char *findings[MAX_FINDINGS]; /* "rule severity line", in order */
} check_case;

static const check_case check_cases[] = {
    {"clean", "CREATE TABLE t (a int);\nCREATE INDEX i ON t (a);\n", {0}},
    {"concurrently without the directive", "CREATE TABLE t (a int);\nCREATE INDEX CONCURRENTLY i ON t (a);\n",
     {"no-transaction-required error 2"}},
    {"one finding per statement", "VACUUM;\nVACUUM t;\nANALYZE t;\nALTER SYSTEM SET work_mem = 1;\n",
     {"no-transaction-required error 1", "no-transaction-required error 2",
      "no-transaction-required error 4"}},
    {"file-level transaction: nothing to say", "BEGIN;\nINSERT INTO t VALUES (1);\nSAVEPOINT a;\n"
     "ROLLBACK TO a;\nCOMMIT;\n",
     {0}},
    {"file-level transaction after meta-commands that run nothing",
     "\\set ON_ERROR_STOP on\n\\timing on\nSTART TRANSACTION ISOLATION LEVEL SERIALIZABLE;\n"
     "INSERT INTO t VALUES (1);\nEND;\n-- done\n",
     {0}},
    {"transaction control: a statement after the COMMIT",
     "BEGIN;\nINSERT INTO t VALUES (1);\nSAVEPOINT a;\nROLLBACK TO a;\nCOMMIT;\nSELECT 1;\n",
     {"transaction-control error 1", "transaction-control error 5"}},
    {"transaction control: a statement before the BEGIN",
     "SELECT 1;\nBEGIN;\nINSERT INTO t VALUES (1);\nCOMMIT;\n",
     {"transaction-control error 2", "transaction-control error 4"}},
    {"two pairs", "BEGIN;\nSELECT 1;\nCOMMIT;\nBEGIN;\nSELECT 2;\nCOMMIT;\n",
     {"transaction-control error 1", "transaction-control error 3", "transaction-control error 4",
      "transaction-control error 6"}},
    {"ROLLBACK at the end", "BEGIN;\nSELECT 1;\nROLLBACK;\n",
     {"transaction-control error 1", "transaction-control error 3"}},
    {"COMMIT AND CHAIN", "BEGIN;\nSELECT 1;\nCOMMIT AND CHAIN;\nSELECT 2;\nCOMMIT;\n",
     {"transaction-control error 1", "transaction-control error 3", "transaction-control error 5"}},
    {"PREPARE TRANSACTION", "BEGIN;\nSELECT 1;\nPREPARE TRANSACTION 'x';\n",
     {"transaction-control error 1", "transaction-control error 3"}},
    {"BEGIN READ ONLY is not a file-level transaction", "BEGIN READ ONLY;\nSELECT 1;\nCOMMIT;\n",
     {"transaction-control error 1", "transaction-control error 3"}},
    {"... nor with other modes",
     "BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY;\nSELECT 1;\nEND;\n",
     {"transaction-control error 1", "transaction-control error 3"}},
    {"BEGIN READ WRITE is", "BEGIN READ WRITE, DEFERRABLE;\nSELECT 1;\nCOMMIT;\n", {0}},
    {"\\q after the COMMIT", "BEGIN;\nSELECT 1;\nCOMMIT;\n\\q\nSELECT 2;\n",
     {"unread-after-quit warning 4"}},
    {"\\q before the COMMIT", "BEGIN;\nSELECT 1;\n\\q\nCOMMIT;\n", 
     {"transaction-control error 1", "unread-after-quit warning 3"}},
    {"BEGIN inside \\if", "\\if true\nBEGIN;\n\\endif\nSELECT 1;\nCOMMIT;\n",
     {"transaction-control error 2", "transaction-control error 5"}},
    {"COMMIT from a variable", "\\set c COMMIT\nBEGIN;\nSELECT 1;\n:c;\n",
     {"transaction-control error 2", "transaction-control error 4"}},
    {"\\gexec inside the pair", "BEGIN;\nSELECT 'COMMIT' \\gexec\nCOMMIT;\n",
     {"transaction-control error 1", "unsupported-meta-command error 2",
      "transaction-control error 3"}},
    {"joined by \\;", "BEGIN \\; SELECT 1;\nCOMMIT;\n",
     {"transaction-control error 1", "transaction-control error 2"}},
    {"other runners' directives", "-- +goose Up\n-- +goose NO TRANSACTION\nVACUUM;\n", {0}},
    {"a dbmate down section is not read",
     "-- migrate:up\nCREATE TABLE t (a int);\n-- migrate:down\nVACUUM;\n", {0}},
    {"graphile-migrate's directive only on the first line",
     "SELECT 1;\n--! no-transaction\nVACUUM;\n", {"no-transaction-required error 3"}},
    {"dbmate's option only on the up marker, before statements",
     "SELECT 1;\n-- migrate:up transaction:false\nVACUUM;\n", {"no-transaction-required error 3"}},
    {"commit prepared is control, once", "COMMIT PREPARED 'x';\n",
     {"transaction-control error 1"}},
    {"with the directive: only statements that need it", "-- pgward:no-transaction\n"
     "SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY i ON t (a);\nSHOW lock_timeout;\n"
     "RESET lock_timeout;\nVACUUM t;\n",
     {0}},
    {"with the directive: mixed, one warning at the first other statement",
     "-- pgward:no-transaction\nSET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY i ON t (a);\n"
     "CREATE TABLE u (a int);\nINSERT INTO u VALUES (1);\n",
     {"no-transaction-mixed warning 4"}},
    {"with the directive: control is the file's own business", "-- pgward:no-transaction\n"
     "BEGIN;\nCREATE TABLE u (a int);\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON u (a);\n",
     {"no-transaction-mixed warning 2"}},
    {"directive without a space is not the directive", "--pgward:no-transaction\nVACUUM;\n",
     {"no-transaction-required error 2"}},
    {"syntax errors are not judged", "VACUUUM;\nCREATE INDEX CONCURRENTLY ON;\n",
     {"syntax-error error 1", "syntax-error error 2"}},
    {"drop subscription after its slot is set to none",
     "ALTER SUBSCRIPTION s DISABLE;\nALTER SUBSCRIPTION s SET (slot_name = NONE);\n"
     "DROP SUBSCRIPTION s;\nDROP SUBSCRIPTION other;\n",
     {"no-transaction-required error 4"}},
    {"drop subscription created without a slot",
     "CREATE SUBSCRIPTION s CONNECTION 'host=a' PUBLICATION p WITH (slot_name = NONE, "
     "connect = false);\nDROP SUBSCRIPTION s;\n"
     "CREATE SUBSCRIPTION s CONNECTION 'host=a' PUBLICATION p WITH (connect = false);\n"
     "DROP SUBSCRIPTION s;\n",
     {"no-transaction-required error 4"}},
    {"a slot set again counts again",
     "ALTER SUBSCRIPTION s SET (slot_name = NONE);\nALTER SUBSCRIPTION s SET (slot_name = 'x');\n"
     "DROP SUBSCRIPTION s;\n",
     {"no-transaction-required error 3"}},
};

static void check_findings(const char *name, script *s, const char *const *want)
{
    finding_list_sort(&s->findings);
    size_t n = 0;
    while (n < MAX_FINDINGS && want[n])
        n++;
    bool ok = s->findings.count == n;
    for (size_t i = 0; ok && i < n; i++) {
        const finding *f = &s->findings.items[i];
        char *got = xasprintf("%s %s %d", rule_name(f->rule), severity_name(f->severity), f->line);
        ok = strcmp(got, want[i]) == 0;
        free(got);
    }
    if (!ok) {
        print_error("%s: findings differ; got:\n", name);
        for (size_t i = 0; i < s->findings.count; i++) {
            const finding *f = &s->findings.items[i];
            print_error("  %s %s %d: %s\n", rule_name(f->rule), severity_name(f->severity), f->line,
                        f->message);
        }
    }
    assert_true(ok);
}

static void test_check_script(void **state)
{
    (void)state;
    script_options opt = script_options_default();
    for (size_t i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]); i++) {
        const check_case *c = &check_cases[i];
        script *s = script_read_memory("c.sql", c->input, strlen(c->input), &opt);
        txn_check_script(NULL, s);
        check_findings(c->name, s, c->findings);
        script_free(s);
    }
    script_options_free(&opt);
}

/* Messages name the statement, say what to do, and carry the statement text. */
static void test_messages(void **state)
{
    (void)state;
    script_options opt = script_options_default();
    const char *in = "CREATE INDEX CONCURRENTLY i ON t (a);\nEND;\nVACUUM t;\n"
                     "ALTER TABLE t DETACH PARTITION p CONCURRENTLY;\nBEGIN;\nABORT;\n";
    script *s = script_read_memory("m.sql", in, strlen(in), &opt);
    txn_check_script(NULL, s);
    finding_list_sort(&s->findings);
    assert_int_equal(s->findings.count, 6);
    const finding *f = s->findings.items;
    assert_string_equal(f[0].message, "CREATE INDEX CONCURRENTLY cannot run inside a transaction "
                                      "block (each file runs in one transaction, as `pgward "
                                      "apply` does); mark the file '-- pgward:no-transaction'");
    assert_string_equal(f[0].statement, "CREATE INDEX CONCURRENTLY i ON t (a);");
    assert_int_equal(f[0].column, 1);
    assert_string_equal(f[1].message, "END would end the transaction this file runs in (each file "
                                      "runs in one transaction, as `pgward apply` does) and the "
                                      "rest would run in another; remove it, wrap the whole file "
                                      "in one BEGIN ... COMMIT, or mark the file "
                                      "'-- pgward:no-transaction'");
    assert_string_equal(f[1].statement, "END;");
    assert_non_null(strstr(f[2].message, "VACUUM cannot run inside a transaction block"));
    assert_non_null(strstr(f[3].message, "DETACH PARTITION CONCURRENTLY cannot run"));
    assert_non_null(strstr(f[4].message, "BEGIN would start a transaction"));
    assert_non_null(strstr(f[5].message, "ABORT would end the transaction"));
    script_free(s);
    script_options_free(&opt);
}


/* The policy's `rule` lines set severities or turn the rules off; others keep theirs. */
static void test_policy_severity(void **state)
{
    (void)state;
    const char *in = "-- pgward:no-transaction\nCREATE TABLE t (a int);\n";
    const char *in2 = "BEGIN;\nVACUUM;\nCOMMIT;\nSELECT 1;\n";
    script_options opt = script_options_default();

    policy *p = must_parse_policy("role r { unrestricted; }\n");
    script *s = script_read_memory("a.sql", in, strlen(in), &opt);
    txn_check_script(p, s);
    check_findings("policy without rules: defaults", s,
                   (const char *const[]){"no-transaction-mixed warning 2", NULL});
    script_free(s);
    policy_free(p);

    p = must_parse_policy("role r { unrestricted; }\nrule no-transaction-mixed error;\n"
                     "rule no-transaction-required off;\nrule transaction-control warning;\n");
    s = script_read_memory("a.sql", in, strlen(in), &opt);
    txn_check_script(p, s);
    check_findings("mixed raised to error", s,
                   (const char *const[]){"no-transaction-mixed error 2", NULL});
    script_free(s);
    s = script_read_memory("b.sql", in2, strlen(in2), &opt);
    txn_check_script(p, s);
    check_findings("required off, control lowered", s,
                   (const char *const[]){"transaction-control warning 1",
                                         "transaction-control warning 3", NULL});
    script_free(s);
    policy_free(p);

    p = must_parse_policy("role r { unrestricted; }\nrule no-transaction-mixed off;\n"
                     "rule transaction-control off;\n");
    s = script_read_memory("a.sql", in, strlen(in), &opt);
    txn_check_script(p, s);
    check_findings("mixed off", s, (const char *const[]){NULL});
    script_free(s);
    s = script_read_memory("b.sql", in2, strlen(in2), &opt);
    txn_check_script(p, s);
    check_findings("control off", s,
                   (const char *const[]){"no-transaction-required error 2", NULL});
    script_free(s);
    policy_free(p);

    /* CONCURRENTLY inside the script's own block is concurrently-in-transaction's to
       report; with that rule off, no-transaction-required says it */
    const char *in3 = "BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;\n";
    s = script_read_memory("c.sql", in3, strlen(in3), &opt);
    txn_check_script(NULL, s);
    check_findings("concurrently in a block", s, (const char *const[]){NULL});
    script_free(s);
    p = must_parse_policy("role r { unrestricted; }\nrule concurrently-in-transaction off;\n");
    s = script_read_memory("c.sql", in3, strlen(in3), &opt);
    txn_check_script(p, s);
    check_findings("concurrently in a block, its rule off", s,
                   (const char *const[]){"no-transaction-required error 2", NULL});
    script_free(s);
    policy_free(p);
    script_options_free(&opt);
}

static char *write_file(const char *dir, const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* The directive belongs to the file it is written in, not to files it includes. */
static void test_directive_per_source(void **state)
{
    (void)state;
    char dir[] = "/tmp/pgward-test-txn-XXXXXX"; /* mkdtemp template */
    assert_non_null(mkdtemp(dir));
    char *top = write_file(dir, "top.sql",
                           "-- pgward:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n"
                           "\\ir plain.sql\n\\ir marked.sql\n");
    char *plain = write_file(dir, "plain.sql", "CREATE TABLE u (a int);\nVACUUM u;\n");
    char *marked = write_file(dir, "marked.sql",
                              "-- pgward:no-transaction\nDROP INDEX CONCURRENTLY i;\n"
                              "CREATE TABLE v (a int);\nCREATE TABLE w (a int);\n");
    script_options opt = script_options_default();
    script *s = script_read_file(top, &opt);
    assert_int_equal(s->nsources, 3);
    assert_int_equal(s->nstmts, 6);
    txn_check_script(NULL, s);
    finding_list_sort(&s->findings); /* by file name, then offset */
    assert_int_equal(s->findings.count, 2);
    assert_int_equal(s->findings.items[0].rule, RULE_NO_TRANSACTION_MIXED);
    assert_ptr_equal(s->findings.items[0].src, s->stmts[3].src);
    assert_int_equal(s->findings.items[0].line, 3);
    assert_int_equal(s->findings.items[1].rule, RULE_NO_TRANSACTION_REQUIRED);
    assert_ptr_equal(s->findings.items[1].src, s->stmts[2].src);
    assert_int_equal(s->findings.items[1].line, 2);
    script_free(s);
    script_options_free(&opt);
    free(top);
    free(plain);
    free(marked);
    char *cmd = xasprintf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statements),
        cmocka_unit_test(test_resume_check),
        cmocka_unit_test(test_directive),
        cmocka_unit_test(test_runner_directives),
        cmocka_unit_test(test_check_script),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_policy_severity),
        cmocka_unit_test(test_directive_per_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
