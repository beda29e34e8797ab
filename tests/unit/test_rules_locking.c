/*
 * test_rules_locking.c: the migration-safety lock and rewrite rules
 * (rules_locking.c), table-driven: a script, the target version, and the ids of
 * this group's findings in the order they are reported.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rules/lint.h"
#include "base/util.h"
#include "test_helpers.h"

/* Sets both timeouts, so that the rows below see only the rule they are about. */
#define TO "SET lock_timeout = '2s'; SET statement_timeout = '10s';\n"

static const char *const locking_ids[] = {
    "access-exclusive-held", "add-column-volatile-default", "add-required-column",
    "change-column-type", "concurrently-in-transaction", "constraint-without-not-valid",
    "detach-partition-not-concurrently", "domain-constraint", "drop-cascade", "drop-column",
    "drop-database",
    "drop-not-null", "drop-table", "index-not-concurrently", "missing-lock-timeout",
    "missing-statement-timeout", "multiple-locks-same-table", "rename-column", "rename-table",
    "set-not-null", "table-rewrite", "truncate", "truncate-cascade", "unique-without-index",
    "vacuum-full-or-cluster",
};

typedef struct lcase {
    const char *sql;
    int pg;             /* 0: 15 */
    const char *want;   /* this group's rule ids, comma-separated, in order */
} lcase;

static const lcase cases[] = {
    /* add-column-volatile-default */
    {TO "ALTER TABLE t ADD COLUMN c uuid DEFAULT gen_random_uuid();", 0, "add-column-volatile-default"},
    {TO "ALTER TABLE t ADD COLUMN c uuid DEFAULT uuid_generate_v4();", 0, "add-column-volatile-default"},
    {TO "ALTER TABLE t ADD COLUMN c float8 DEFAULT random();", 0, "add-column-volatile-default"},
    {TO "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT clock_timestamp();", 0, "add-column-volatile-default"},
    {TO "ALTER TABLE t ADD COLUMN c bigint DEFAULT nextval('s');", 0, "add-column-volatile-default"},
    {TO "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now();", 0, ""},
    {TO "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT current_timestamp;", 0, ""},
    {TO "ALTER TABLE t ADD COLUMN c text DEFAULT lower('X') || 'y';", 0, ""},
    {TO "ALTER TABLE t ADD COLUMN c int DEFAULT 0;", 0, ""},
    {TO "ALTER TABLE t ADD COLUMN c int DEFAULT 0;", 10, "add-column-volatile-default"},
    {TO "ALTER TABLE t ADD COLUMN c int DEFAULT NULL;", 10, ""},
    {TO "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now();", 10, "add-column-volatile-default"},
    {TO "ALTER TABLE t ADD COLUMN c text GENERATED ALWAYS AS (lower(b)) STORED;", 0, "add-column-volatile-default"},
    {TO "ALTER TABLE t ADD COLUMN c bigserial;", 0, "add-column-volatile-default"},
    {TO "ALTER TABLE t ADD COLUMN c bigint GENERATED ALWAYS AS IDENTITY;", 0, "add-column-volatile-default"},
    {TO "ALTER TABLE t ADD COLUMN c uuid DEFAULT public.uuid_generate_v4();", 0, "add-column-volatile-default"},
    {TO "ALTER TABLE t ADD COLUMN c uuid DEFAULT pg_catalog.gen_random_uuid();", 0, "add-column-volatile-default"},
    /* add-required-column */
    {TO "ALTER TABLE t ADD COLUMN c int NOT NULL;", 0, "add-required-column"},
    {TO "ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0;", 0, ""},
    {TO "ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT NULL;", 0, "add-required-column"},
    {TO "ALTER TABLE t ADD COLUMN c uuid NOT NULL DEFAULT gen_random_uuid();", 0, "add-column-volatile-default"},
    {TO "ALTER TABLE t ADD COLUMN c int;", 0, ""},
    /* change-column-type */
    {TO "ALTER TABLE t ALTER COLUMN c TYPE bigint;", 0, "change-column-type"},
    {TO "ALTER TABLE t ALTER COLUMN c SET DATA TYPE text USING c::text;", 0, "change-column-type"},
    {TO "ALTER TABLE t ALTER COLUMN c TYPE varchar(200);", 0, ""},
    {TO "ALTER TABLE t ALTER COLUMN c TYPE text;", 0, ""},
    {TO "ALTER TABLE t ALTER COLUMN c TYPE numeric;", 0, ""},
    {TO "ALTER TABLE t ALTER COLUMN c TYPE numeric(10, 2);", 0, "change-column-type"},
    /* constraint-without-not-valid */
    {TO "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (u_id) REFERENCES u (id);", 0, "constraint-without-not-valid"},
    {TO "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);", 0, "constraint-without-not-valid"},
    {TO "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (u_id) REFERENCES u (id) NOT VALID;", 0, ""},
    {TO "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\nCOMMIT;\n"
        "ALTER TABLE t VALIDATE CONSTRAINT c;", 0, ""},
    {TO "ALTER TABLE t ADD COLUMN u_id bigint REFERENCES u (id);", 0, "constraint-without-not-valid"},
    {TO "CREATE TABLE t (id bigint);\nALTER TABLE t ADD CONSTRAINT c CHECK (id > 0);", 0, ""},
    /* unique-without-index */
    {TO "ALTER TABLE t ADD PRIMARY KEY (id);", 0, "unique-without-index"},
    {TO "ALTER TABLE t ADD CONSTRAINT u UNIQUE (email);", 0, "unique-without-index"},
    {TO "ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_id_idx;", 0, ""},
    {TO "ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX t_email_idx;", 0, ""},
    /* set-not-null, drop-not-null, drop-column */
    {TO "ALTER TABLE t ALTER COLUMN c SET NOT NULL;", 0, "set-not-null"},
    {TO "ALTER TABLE t ALTER COLUMN c SET NOT NULL;", 11, "set-not-null"},
    {TO "ALTER TABLE t ALTER COLUMN c DROP NOT NULL;", 0, "drop-not-null"},
    {TO "ALTER TABLE t DROP COLUMN c;", 0, "drop-column"},
    {TO "ALTER TABLE t ALTER COLUMN c SET DEFAULT 0, ALTER COLUMN c DROP DEFAULT;", 0, ""},
    /* drop-table, drop-database, renames */
    {TO "DROP TABLE t;", 0, "drop-table"},
    {TO "DROP TABLE IF EXISTS a, s.b;", 0, "drop-table,drop-table"},
    {TO "CREATE TABLE s.t (a int);\nDROP TABLE s.t;", 0, ""},
    {TO "CREATE TABLE s.t (a int);\nDROP TABLE other.t;", 0, "drop-table"},
    {TO "CREATE TABLE t (a int);\nDROP TABLE s.t;", 0, ""},
    {"DROP DATABASE d;", 0, "drop-database"},
    {"CREATE DATABASE d;\nDROP DATABASE d;", 0, ""},
    {TO "ALTER TABLE t RENAME COLUMN a TO b;", 0, "rename-column"},
    {TO "ALTER TABLE t RENAME TO u;", 0, "rename-table"},
    {TO "CREATE TABLE t (a int);\nALTER TABLE t RENAME TO u;\nALTER TABLE u RENAME COLUMN a TO b;", 0, ""},
    {TO "ALTER TABLE t RENAME CONSTRAINT a TO b;", 0, ""},
    /* index-not-concurrently */
    {TO "CREATE INDEX i ON t (a);", 0, "index-not-concurrently"},
    {TO "CREATE INDEX CONCURRENTLY i ON t (a);", 0, ""},
    {TO "CREATE TABLE t (a int);\nCREATE INDEX i ON t (a);\nDROP INDEX i;", 0, ""},
    {TO "DROP INDEX i;", 0, "index-not-concurrently"},
    {TO "DROP INDEX CONCURRENTLY i;", 0, ""},
    {TO "REINDEX TABLE t;", 0, "index-not-concurrently"},
    {TO "REINDEX TABLE CONCURRENTLY t;", 0, ""},
    {TO "REINDEX (CONCURRENTLY) INDEX i;", 0, ""},
    /* detach-partition-not-concurrently */
    {TO "ALTER TABLE p DETACH PARTITION p1;", 0, "detach-partition-not-concurrently"},
    {TO "ALTER TABLE p DETACH PARTITION p1;", 13, ""},
    {"-- pgward:no-transaction\n" TO "ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY;", 0, ""},
    /* concurrently-in-transaction */
    {TO "BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;", 0, "concurrently-in-transaction"},
    {TO "BEGIN;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON t (a);", 0, ""},
    {TO "START TRANSACTION;\nDROP INDEX CONCURRENTLY i;\nROLLBACK;", 0, "concurrently-in-transaction"},
    /* AND CHAIN begins the next transaction at once: still inside a block */
    {TO "BEGIN;\nCOMMIT AND CHAIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;", 0,
     "concurrently-in-transaction"},
    {TO "BEGIN;\nROLLBACK AND CHAIN;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON t (a);", 0, ""},
    /* domain-constraint */
    {"CREATE DOMAIN pos AS int CHECK (VALUE > 0);", 0, "domain-constraint"},
    {"CREATE DOMAIN pos AS int;", 0, ""},
    {"ALTER DOMAIN pos ADD CONSTRAINT c CHECK (VALUE > 0);", 0, "domain-constraint"},
    {"ALTER DOMAIN pos ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID;", 0, ""},
    {"CREATE DOMAIN pos AS int;\nALTER DOMAIN pos SET NOT NULL;", 0, ""},
    /* truncate, truncate-cascade */
    {TO "TRUNCATE t;", 0, "truncate"},
    {TO "TRUNCATE t CASCADE;", 0, "truncate-cascade"},
    {TO "CREATE TABLE t AS SELECT 1 AS a;\nTRUNCATE t;", 0, ""},
    {TO "SELECT 1 AS a INTO t;\nTRUNCATE t;", 0, ""},
    /* vacuum-full-or-cluster, table-rewrite */
    {TO "VACUUM (FULL) t;", 0, "vacuum-full-or-cluster"},
    {TO "VACUUM t;", 0, ""},
    {TO "CLUSTER t USING t_pkey;", 0, "vacuum-full-or-cluster"},
    {TO "ALTER TABLE t SET TABLESPACE fast;", 0, "table-rewrite"},
    {TO "ALTER TABLE t SET UNLOGGED;", 0, "table-rewrite"},
    {TO "ALTER TABLE t SET ACCESS METHOD heap2;", 0, "table-rewrite"},
    /* the timeouts: once per script, at the first lock-taking statement */
    {"ALTER TABLE t ADD COLUMN c int;\nALTER TABLE u ADD COLUMN c int;", 0,
     "missing-lock-timeout,missing-statement-timeout"},
    /* a new table's foreign key locks the table it references */
    {"CREATE TABLE n (a bigint REFERENCES t (id));", 0,
     "missing-lock-timeout,missing-statement-timeout"},
    {"CREATE TABLE n (a bigint, FOREIGN KEY (a) REFERENCES s.t (id));", 0,
     "missing-lock-timeout,missing-statement-timeout"},
    {TO "CREATE TABLE n (a bigint REFERENCES t (id));", 0, ""},
    {"CREATE TABLE p (id bigint PRIMARY KEY);\nCREATE TABLE n (a bigint REFERENCES p (id));", 0,
     ""},
    {"CREATE TABLE n (a bigint);\nALTER TABLE n ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES t;",
     0, "missing-lock-timeout,missing-statement-timeout"},
    {"SET lock_timeout = '1s';\nCREATE INDEX i ON t (a);", 0,
     "index-not-concurrently,missing-statement-timeout"},
    {"SELECT set_config('lock_timeout', '1s', false);\n"
     "SET LOCAL statement_timeout = '5s';\nALTER TABLE t ADD COLUMN c int;", 0, ""},
    {"SET lock_timeout = 0;\nSET statement_timeout = '5s';\nALTER TABLE t ADD COLUMN c int;", 0,
     "missing-lock-timeout"},
    {"CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN c int;\nCREATE INDEX ON t (a);", 0, ""},
    {"CREATE INDEX CONCURRENTLY i ON t (a);", 0, ""},
    {"BEGIN;\nSET LOCAL lock_timeout = '1s';\nSET LOCAL statement_timeout = '1s';\nCOMMIT;\n"
     "BEGIN;\nALTER TABLE t ADD COLUMN c int;\nCOMMIT;", 0,
     "missing-lock-timeout,missing-statement-timeout"},
    /* multiple-locks-same-table: an upgrade, or a validation under the earlier lock */
    {TO "ALTER TABLE t ADD COLUMN a int;\nALTER TABLE t ADD COLUMN b int;", 0, ""},
    {TO "CREATE INDEX i ON t (a);\nALTER TABLE t ADD COLUMN b int;", 0,
     "index-not-concurrently,multiple-locks-same-table"},
    {TO "CREATE TRIGGER g AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();\n"
        "DROP TABLE t;", 0, "drop-table,multiple-locks-same-table"},
    {TO "ALTER TABLE t ADD COLUMN b int;\nCREATE INDEX i ON t (a);", 0,
     "index-not-concurrently,access-exclusive-held"},
    {TO "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\n"
        "ALTER TABLE t VALIDATE CONSTRAINT c;", 0, "multiple-locks-same-table"},
    {TO "ALTER TABLE t ADD COLUMN a int, ADD COLUMN b int;", 0, ""},
    {TO "ALTER TABLE t ADD COLUMN a int;\nALTER TABLE u ADD COLUMN b int;", 0, ""},
    {TO "ALTER TABLE t ADD COLUMN a int;\nALTER TABLE u ALTER COLUMN b TYPE bigint;", 0,
     "change-column-type,access-exclusive-held"},
    {TO "ALTER TABLE t ADD COLUMN a int;\nALTER TABLE u ADD COLUMN b uuid DEFAULT f();", 0,
     "add-column-volatile-default,access-exclusive-held"},
    {TO "ALTER TABLE t ADD COLUMN a int;\nALTER TABLE u ADD COLUMN b int DEFAULT 0;", 0, ""},
    {TO "ALTER TABLE t ADD COLUMN a int;\nALTER TABLE u ADD CONSTRAINT c CHECK (b > 0);", 0,
     "constraint-without-not-valid,access-exclusive-held"},
    {TO "ALTER TABLE t ADD COLUMN a int;\nDO $$ BEGIN PERFORM 1; END $$;", 0,
     "access-exclusive-held"},
    {TO "BEGIN;\nALTER TABLE t ADD COLUMN a int;\nCOMMIT;\nBEGIN;\nALTER TABLE t ADD COLUMN b int;\nCOMMIT;", 0, ""},
    {TO "LOCK TABLE t IN ACCESS EXCLUSIVE MODE;\nALTER TABLE t ADD COLUMN a int;", 0, ""},
    {TO "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (u_id) REFERENCES u (id) NOT VALID;\n"
        "ALTER TABLE t VALIDATE CONSTRAINT fk;", 0, "multiple-locks-same-table"},
    {"-- pgward:no-transaction\n" TO "ALTER TABLE t ADD COLUMN a int;\nALTER TABLE t ADD COLUMN b int;", 0, ""},
    /* access-exclusive-held */
    {TO "ALTER TABLE t ADD COLUMN a int;\nUPDATE t SET a = 0 WHERE id < 1000;", 0, "access-exclusive-held"},
    {TO "ALTER TABLE t ADD COLUMN a int;\nCOMMENT ON COLUMN t.a IS 'x';\nGRANT SELECT ON t TO r;", 0, ""},
    {TO "ALTER TABLE t ADD COLUMN a int;\nINSERT INTO u VALUES (1);\nDELETE FROM v WHERE id = 1;", 0,
     "access-exclusive-held"},
    {TO "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (u_id) REFERENCES u (id) NOT VALID;\n"
        "UPDATE u SET a = 1 WHERE id = 1;", 0, ""},
    {TO "DROP TABLE t;\nCREATE TABLE t2 (a int);", 0, "drop-table"},
    /* drop-cascade */
    {TO "DROP SCHEMA s CASCADE;", 0, "drop-cascade"},
    {TO "DROP VIEW v CASCADE;", 0, "drop-cascade"},
    {TO "DROP FUNCTION f(int), g(int) CASCADE;", 0, "drop-cascade"},
    {TO "DROP TYPE s.t CASCADE;", 0, "drop-cascade"},
    {TO "CREATE SCHEMA s;\nDROP SCHEMA s CASCADE;", 0, ""},
    {TO "CREATE VIEW v AS SELECT 1 AS a;\nDROP VIEW v CASCADE;", 0, ""},
    {TO "DROP SCHEMA s RESTRICT;\nDROP TYPE t;", 0, ""},
    {TO "CREATE TABLE n (a int);\nALTER TABLE n ADD COLUMN b int NOT NULL;\nINSERT INTO n VALUES (1, 2);", 0, ""},
    {TO "BEGIN;\nALTER TABLE t ADD COLUMN a int;\nCOMMIT;\nUPDATE t SET a = 0 WHERE id < 10;", 0, ""},
    /* a stray COMMIT ends the transaction apply runs the file in: its locks go */
    {TO "ALTER TABLE t ADD COLUMN a int;\nCOMMIT;\nUPDATE t SET a = 0 WHERE id < 10;", 0, ""},
    /* a file with a BEGIN is read as psql runs it: outside the block, no transaction */
    {TO "ALTER TABLE t ADD COLUMN a int;\nUPDATE t SET a = 0 WHERE id < 10;\nBEGIN;\nCOMMIT;", 0,
     ""},
    /* tables a CREATE SCHEMA makes are new, like any other */
    {"CREATE SCHEMA app CREATE TABLE t (a int);\nALTER TABLE app.t ADD COLUMN b int NOT NULL;",
     0, ""},
    /* several rules on one statement, in command order */
    {TO "ALTER TABLE t ADD COLUMN a int NOT NULL, ALTER COLUMN b TYPE bigint, DROP COLUMN c;", 0,
     "add-required-column,change-column-type,drop-column"},
    {"ALTER TABLE t ADD COLUMN a uuid DEFAULT gen_random_uuid();", 0,
     "add-column-volatile-default,missing-lock-timeout,missing-statement-timeout"},
};

/* This group's finding ids of a script, comma-separated. */
static char *locking_findings(const char *sql, int pg)
{
    script_options opt = script_options_default();
    script *s = script_read_memory("t.sql", sql, strlen(sql), &opt);
    /* missing-statement-timeout is opt-in: on here, as a policy turns it on */
    policy *p = must_parse_policy("role r { unrestricted; }\ndefault role r;\n"
                                  "rule missing-statement-timeout warning;\n");
    lint_config cfg = {.policy = p, .pg_version = pg ? pg : 15};
    lint_check_modules(&cfg, NULL, s, 1u << LINT_LOCKING);
    policy_free(p);
    strbuf b = {0};
    for (size_t i = 0; i < s->findings.count; i++) {
        const char *id = rule_name(s->findings.items[i].rule);
        for (size_t k = 0; k < ARRAY_SIZE(locking_ids); k++) {
            if (strcmp(id, locking_ids[k]) == 0) {
                if (b.len)
                    sb_addc(&b, ',');
                sb_adds(&b, id);
                break;
            }
        }
    }
    script_free(s);
    script_options_free(&opt);
    return sb_detach(&b, NULL);
}

static void test_cases(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *got = locking_findings(cases[i].sql, cases[i].pg);
        if (strcmp(got, cases[i].want) != 0) {
            print_error("case %zu (pg %d):\n%s\n  want: [%s]\n  got:  [%s]\n", i, cases[i].pg,
                        cases[i].sql, cases[i].want, got);
            failed++;
        }
        free(got);
    }
    assert_int_equal(failed, 0);
}

/* Findings point at the statement's source, with a message naming the subject. */
static void test_location_and_message(void **state)
{
    (void)state;
    const char *sql = TO "\n  ALTER TABLE accounts ADD COLUMN token uuid DEFAULT gen_random_uuid();\n";
    script_options opt = script_options_default();
    script *s = script_read_memory("t.sql", sql, strlen(sql), &opt);
    lint_config cfg = {.policy = NULL, .pg_version = 0};
    lint_check_modules(&cfg, NULL, s, 1u << LINT_LOCKING);
    const finding *f = NULL;
    for (size_t i = 0; i < s->findings.count; i++)
        if (strcmp(rule_name(s->findings.items[i].rule), "add-column-volatile-default") == 0)
            f = &s->findings.items[i];
    assert_non_null(f);
    assert_int_equal(f->line, 3);
    assert_int_equal(f->column, strstr(sql, "gen_random_uuid") - strstr(sql, "  ALTER") + 1);
    assert_non_null(strstr(f->message, "\"token\""));
    assert_non_null(strstr(f->message, "\"accounts\""));
    assert_non_null(strstr(f->message, "gen_random_uuid()"));
    assert_int_equal(f->severity, SEV_WARNING);
    script_free(s);
    script_options_free(&opt);
}

/* concurrently-in-transaction is an error; a policy can turn a rule off. */
static void test_severity(void **state)
{
    (void)state;
    const char *sql = "BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;\n";
    script_options opt = script_options_default();
    script *s = script_read_memory("t.sql", sql, strlen(sql), &opt);
    lint_config cfg = {.policy = NULL, .pg_version = 15};
    lint_check_modules(&cfg, NULL, s, 1u << LINT_LOCKING);
    bool seen = false;
    for (size_t i = 0; i < s->findings.count; i++) {
        if (strcmp(rule_name(s->findings.items[i].rule), "concurrently-in-transaction") == 0) {
            assert_int_equal(s->findings.items[i].severity, SEV_ERROR);
            assert_int_equal(s->findings.items[i].line, 2);
            seen = true;
        }
    }
    assert_true(seen);
    script_free(s);
    script_options_free(&opt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_location_and_message),
        cmocka_unit_test(test_severity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
