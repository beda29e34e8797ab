/*
 * test_rules_design.c: the design rules (rules_design.c), table-driven: a script,
 * and the rule ids it must produce (sorted, space-separated; "" for none).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/lint.h"
#include "test_helpers.h"

typedef struct design_case {
    const char *sql;
    const char *want; /* sorted rule ids, space-separated */
} design_case;

/* 64 and 63 bytes */
#define LONG64 "a123456789b123456789c123456789d123456789e123456789f123456789wxyz"
#define LONG63 "a123456789b123456789c123456789d123456789e123456789f123456789wxy"
/* 32 x U+00E9 (2 bytes each): 64 bytes; 31 of them and an 'a': 63 bytes */
#define E4 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
#define E32 E4 E4 E4 E4 E4 E4 E4 E4
#define E31A E4 E4 E4 E4 E4 E4 E4 "\xc3\xa9\xc3\xa9\xc3\xa9" "a"

static const design_case cases[] = {
    /* column types */
    {"CREATE TABLE IF NOT EXISTS s.t (a int);", "prefer-bigint"},
    {"CREATE TABLE IF NOT EXISTS s.t (a integer, b smallint, c int4);",
     "prefer-bigint prefer-bigint prefer-bigint"},
    {"CREATE TABLE IF NOT EXISTS s.t (a bigint, b int8);", ""},
    {"CREATE TABLE IF NOT EXISTS s.t (a int[]);", ""},
    {"CREATE TABLE IF NOT EXISTS s.t (id serial);", "prefer-bigint prefer-identity"},
    {"CREATE TABLE IF NOT EXISTS s.t (id bigserial);", "prefer-identity"},
    {"CREATE TABLE IF NOT EXISTS s.t (id smallserial);", "prefer-bigint prefer-identity"},
    {"CREATE TABLE IF NOT EXISTS s.t (id bigint GENERATED ALWAYS AS IDENTITY);", ""},
    {"CREATE TABLE IF NOT EXISTS s.t (a varchar(20), b character varying(5));",
     "prefer-text prefer-text"},
    {"CREATE TABLE IF NOT EXISTS s.t (a varchar, b text);", ""},
    {"CREATE TABLE IF NOT EXISTS s.t (a timestamp, b timestamp(3) without time zone);",
     "prefer-timestamptz prefer-timestamptz"},
    {"CREATE TABLE IF NOT EXISTS s.t (a timestamptz, b timestamp with time zone);", ""},
    {"CREATE TABLE IF NOT EXISTS s.t (a char(3), b character(2), c char, d bpchar);",
     "ban-char-type ban-char-type ban-char-type ban-char-type"},
    {"CREATE TABLE IF NOT EXISTS s.t (a \"char\");", ""},
    {"CREATE TABLE IF NOT EXISTS s.t (a my.int4);", ""},
    {"ALTER TABLE s.t ADD COLUMN IF NOT EXISTS a integer;", "prefer-bigint"},
    {"ALTER TABLE s.t ALTER COLUMN a TYPE varchar(10);", "prefer-text"},
    {"CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'select 1';", "not-idempotent"},
    {"CREATE TYPE s.pair AS (a int, b varchar(3));", ""},
    /* identifiers */
    {"CREATE TABLE IF NOT EXISTS s." LONG64 " (a text);", "identifier-too-long"},
    {"CREATE TABLE IF NOT EXISTS s." LONG63 " (a text);", ""},
    {"CREATE TABLE IF NOT EXISTS s.t (\"" LONG64 "\" text);", "identifier-too-long"},
    {"CREATE TABLE IF NOT EXISTS s.t (" E32 " text);", "identifier-too-long"},
    {"CREATE TABLE IF NOT EXISTS s.t (" E31A " text);", ""},
    {"CREATE INDEX IF NOT EXISTS " LONG64 " ON s.t (a);", "identifier-too-long"},
    {"ALTER TABLE s.t RENAME TO " LONG64 ";", "identifier-too-long"},
    {"ALTER TABLE s.t ADD CONSTRAINT " LONG64 " CHECK (a > 0);", "identifier-too-long"},
    {"CREATE TABLE IF NOT EXISTS s.t (\"x\"\"" LONG63 "\" text);", "identifier-too-long"},
    {"CREATE TABLE IF NOT EXISTS s.t (\"x\"\"" LONG63 "\" text); -- \"", "identifier-too-long"},
    /* "" is one byte of the name: 1 + 62 = 63 */
    {"CREATE TABLE IF NOT EXISTS s.t (\"\"\""
     "a123456789b123456789c123456789d123456789e123456789f123456789wx\" text);",
     ""},
    {"CREATE FUNCTION s.f(" LONG64 " int) RETURNS void LANGUAGE sql AS $$ SELECT $$;",
     "identifier-too-long not-idempotent"},
    {"SELECT * FROM s." LONG64 ";", ""},
    {"SELECT '" LONG64 "' AS a;", ""},
    {"CREATE TABLE IF NOT EXISTS s.t (a text DEFAULT '" LONG64 "'); -- " LONG64, ""},
    /* enums */
    {"ALTER TYPE s.mood ADD VALUE 'meh';", "enum-value-without-position"},
    {"ALTER TYPE s.mood ADD VALUE IF NOT EXISTS 'meh' AFTER 'ok';", ""},
    {"ALTER TYPE s.mood ADD VALUE 'meh' BEFORE 'sad';", ""},
    {"ALTER TYPE s.mood RENAME VALUE 'a' TO 'b';", ""},
    {"CREATE TYPE s.mood AS ENUM ('a'); ALTER TYPE s.mood ADD VALUE 'b';", ""},
    /* duplicate assignments */
    {"UPDATE s.t SET a = 1, b = 2, a = 3 WHERE id = 1;", "duplicate-column-assignment"},
    {"UPDATE s.t SET (a, b) = (1, 2), a = 3 WHERE id = 1;", "duplicate-column-assignment"},
    {"UPDATE s.t SET c.x = 1, c.y = 2, d[1] = 1, d[2] = 2 WHERE id = 1;", ""},
    {"INSERT INTO s.t (a, a) VALUES (1, 2);", "duplicate-column-assignment"},
    {"INSERT INTO s.t (a, b) VALUES (1, 2) ON CONFLICT (a) DO UPDATE SET b = 1, b = 2;",
     "duplicate-column-assignment"},
    {"INSERT INTO s.t (a, b) VALUES (1, 2);", ""},
    /* DML without WHERE */
    {"UPDATE s.t SET a = 1;", "update-without-where"},
    {"UPDATE s.t SET a = 1 WHERE id = 1;", ""},
    {"DELETE FROM s.t;", "delete-without-where"},
    {"DELETE FROM s.t WHERE id = 1;", ""},
    {"WITH d AS (DELETE FROM s.t RETURNING *) SELECT count(*) FROM d;", "delete-without-where"},
    {"CREATE TABLE IF NOT EXISTS s.t (a text); UPDATE s.t SET a = 'x'; DELETE FROM t;", ""},
    {"CREATE TABLE IF NOT EXISTS s.t AS SELECT 1 AS a; DELETE FROM s.t;", ""},
    {"CREATE TABLE IF NOT EXISTS s.t (a text); DELETE FROM s.u;", "delete-without-where"},
    {"CREATE TABLE IF NOT EXISTS s.t (a text); DELETE FROM other.t;", "delete-without-where"},
    {"CREATE RULE r AS ON INSERT TO s.t DO ALSO DELETE FROM s.log;", ""},
    /* idempotency */
    {"CREATE TABLE s.t (a text);", "not-idempotent"},
    {"CREATE TEMP TABLE t (a text);", ""},
    {"CREATE INDEX i ON s.t (a);", "not-idempotent"},
    {"CREATE INDEX ON s.t (a);", "not-idempotent"},
    {"CREATE INDEX IF NOT EXISTS i ON s.t (a);", ""},
    {"CREATE SCHEMA s; CREATE SCHEMA IF NOT EXISTS s;", "not-idempotent"},
    {"CREATE SEQUENCE s.q; CREATE SEQUENCE IF NOT EXISTS s.q;", "not-idempotent"},
    {"CREATE VIEW s.v AS SELECT 1; CREATE OR REPLACE VIEW s.v AS SELECT 1;", "not-idempotent"},
    {"CREATE EXTENSION pgcrypto; CREATE EXTENSION IF NOT EXISTS pgcrypto;", "not-idempotent"},
    {"DROP TABLE s.t; DROP TABLE IF EXISTS s.t;", "not-idempotent"},
    {"DROP INDEX s.i; DROP INDEX IF EXISTS s.i;", "not-idempotent"},
    {"ALTER TABLE s.t ADD COLUMN a text;", "not-idempotent"},
    {"ALTER TABLE s.t DROP COLUMN a, DROP COLUMN IF EXISTS b;", "not-idempotent"},
    {"ALTER TABLE s.t ADD COLUMN IF NOT EXISTS a text, DROP CONSTRAINT IF EXISTS c;", ""},
    {"SELECT 1 AS a INTO s.t;", "not-idempotent"},
    {"CREATE SCHEMA s CREATE TABLE t (id serial) CREATE VIEW v AS SELECT 1; DELETE FROM s.t;",
     "not-idempotent prefer-bigint prefer-identity"},
    /* transactions */
    {"BEGIN; CREATE INDEX IF NOT EXISTS i ON s.t (a); COMMIT;", ""},
    {"BEGIN; BEGIN; COMMIT;", "nested-transaction"},
    {"BEGIN; COMMIT; START TRANSACTION; ROLLBACK;", ""},
    {"BEGIN; SELECT 1;", "unterminated-transaction"},
    {"BEGIN; COMMIT AND CHAIN;", "unterminated-transaction"},
    {"BEGIN; PREPARE TRANSACTION 'x';", ""},
    {"START TRANSACTION; START TRANSACTION;", "nested-transaction unterminated-transaction"},
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted, space-separated rule ids of s's findings (malloc'd). */
static char *ids_of(const script *s)
{
    const char **ids = calloc(s->findings.count + 1, sizeof(*ids));
    for (size_t i = 0; i < s->findings.count; i++)
        ids[i] = rule_name(s->findings.items[i].rule);
    qsort(ids, s->findings.count, sizeof(*ids), cmp_str);
    size_t len = 1;
    for (size_t i = 0; i < s->findings.count; i++)
        len += strlen(ids[i]) + 1;
    char *out = calloc(len, 1);
    for (size_t i = 0; i < s->findings.count; i++) {
        if (i)
            strcat(out, " ");
        strcat(out, ids[i]);
    }
    free(ids);
    return out;
}

static char *run(const lint_config *cfg, const char *sql)
{
    script_options opt = script_options_default();
    script *s = script_read_memory("t.sql", sql, strlen(sql), &opt);
    assert_int_equal(s->findings.count, 0); /* reads cleanly */
    lint_check_modules(cfg, NULL, s, 1u << LINT_DESIGN);
    char *ids = ids_of(s);
    script_free(s);
    script_options_free(&opt);
    return ids;
}

static void test_cases(void **state)
{
    (void)state;
    lint_config cfg = {.policy = NULL, .pg_version = 15};
    int failed = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = run(&cfg, cases[i].sql);
        if (strcmp(got, cases[i].want) != 0) {
            print_error("case %zu: %s\n  want [%s]\n  got  [%s]\n", i, cases[i].sql,
                        cases[i].want, got);
            failed++;
        }
        free(got);
    }
    assert_int_equal(failed, 0);
}

/* require-schema is opt-in: silent without a policy naming it. */
static void test_require_schema(void **state)
{
    (void)state;
    static const design_case rs[] = {
        {"CREATE TABLE IF NOT EXISTS t (a text);", "require-schema"},
        {"CREATE TABLE IF NOT EXISTS s.t (a text);", ""},
        {"CREATE TEMP TABLE t (a text);", ""},
        {"ALTER TABLE t ADD COLUMN IF NOT EXISTS b text;", "require-schema"},
        {"INSERT INTO t (a) VALUES ('x');", "require-schema"},
        {"INSERT INTO s.t (a) VALUES ('x');", ""},
        {"UPDATE t SET a = 'x' WHERE a = 'y';", "require-schema"},
        {"DELETE FROM t WHERE a = 'y';", "require-schema"},
        {"CREATE SCHEMA s CREATE TABLE t (a text); INSERT INTO t (a) VALUES ('x');",
         "not-idempotent"},
        {"CREATE TABLE IF NOT EXISTS t (a text); INSERT INTO t (a) VALUES ('x');",
         "require-schema"},
    };
    lint_config off = {.policy = NULL, .pg_version = 15};
    char *got = run(&off, rs[0].sql);
    assert_string_equal(got, "");
    free(got);

    policy *p = must_parse_policy("role r { grant all on schema s; }\n"
                                  "rule require-schema warning;\n");
    lint_config on = {.policy = p, .pg_version = 15};
    for (size_t i = 0; i < sizeof(rs) / sizeof(rs[0]); i++) {
        got = run(&on, rs[i].sql);
        if (strcmp(got, rs[i].want) != 0)
            print_error("case %zu: %s: got [%s]\n", i, rs[i].sql, got);
        assert_string_equal(got, rs[i].want);
        free(got);
    }
    policy_free(p);
}

/* Findings point at the offending token, and name it. */
static void test_locations(void **state)
{
    (void)state;
    lint_config cfg = {.policy = NULL, .pg_version = 15};
    const char *sql = "CREATE TABLE IF NOT EXISTS s.t (\n  id serial,\n  " LONG64 " text\n);\n";
    script_options opt = script_options_default();
    script *s = script_read_memory("t.sql", sql, strlen(sql), &opt);
    lint_check_modules(&cfg, NULL, s, 1u << LINT_DESIGN);
    size_t seen = 0;
    for (size_t i = 0; i < s->findings.count; i++) {
        const finding *f = &s->findings.items[i];
        if (strcmp(rule_name(f->rule), "prefer-identity") == 0) {
            assert_int_equal(f->line, 2);
            assert_int_equal(f->column, 6);
            assert_non_null(strstr(f->message, "\"id\""));
            seen++;
        } else if (strcmp(rule_name(f->rule), "identifier-too-long") == 0) {
            assert_int_equal(f->line, 3);
            assert_int_equal(f->column, 3);
            assert_non_null(strstr(f->message, "64 bytes"));
            seen++;
        }
    }
    assert_int_equal(seen, 2);
    script_free(s);
    script_options_free(&opt);
}

/* --pg-version: identity columns only exist from PostgreSQL 10 on. */
static void test_pg_version(void **state)
{
    (void)state;
    const char *sql = "CREATE TABLE IF NOT EXISTS s.t (id bigserial);";
    lint_config v96 = {.policy = NULL, .pg_version = 9};
    char *got = run(&v96, sql);
    assert_string_equal(got, "");
    free(got);
    lint_config dflt = {.policy = NULL, .pg_version = 0};
    got = run(&dflt, sql);
    assert_string_equal(got, "prefer-identity");
    free(got);
}

/* The unterminated transaction is reported at its BEGIN, the nested one at the inner. */
static void test_transaction_locations(void **state)
{
    (void)state;
    lint_config cfg = {.policy = NULL, .pg_version = 15};
    const char *sql = "SELECT 1;\nBEGIN;\nSELECT 2;\nBEGIN;\n";
    script_options opt = script_options_default();
    script *s = script_read_memory("t.sql", sql, strlen(sql), &opt);
    lint_check_modules(&cfg, NULL, s, 1u << LINT_DESIGN);
    assert_int_equal(s->findings.count, 2);
    for (size_t i = 0; i < s->findings.count; i++) {
        const finding *f = &s->findings.items[i];
        assert_int_equal(f->line, strcmp(rule_name(f->rule), "nested-transaction") == 0 ? 4 : 2);
    }
    script_free(s);
    script_options_free(&opt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_require_schema),
        cmocka_unit_test(test_locations),
        cmocka_unit_test(test_transaction_locations),
        cmocka_unit_test(test_pg_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
