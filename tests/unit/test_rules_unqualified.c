/*
 * test_rules_unqualified.c: unqualified-function, unqualified-operator,
 * unqualified-reference and unqualified-in-definition (rules_unqualified.c) with
 * unqualified-in-security-definer
 * beside them. Table-driven: an extension script (myext--1.0.sql) and the ids of
 * these rules' findings on it, sorted, one per finding, with the near misses that
 * must stay quiet (pinned paths, qualified names, pgspot's safe cases); then that
 * an ordinary migration gets none of the three, and what a finding names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/check.h"
#include "rules/lint.h"
#include "rules/rules.h"
#include "test_helpers.h"

#define FN "unqualified-function"
#define OP "unqualified-operator"
#define REF "unqualified-reference"
#define SD "unqualified-in-security-definer"
#define DEF "unqualified-in-definition"

typedef struct uq_case {
    const char *sql;
    const char *ids; /* sorted, comma-separated, one per finding; "" for none */
} uq_case;

#define PIN "SET search_path = pg_catalog, pg_temp;\n"

static const uq_case cases[] = {
    /* the top level: the script's search_path */
    {"SELECT f(1);", FN},
    {"SELECT pg_catalog.f(1), s.g(2);", ""},
    {PIN "SELECT f(1), a + 1, CASE x WHEN 1 THEN 2 END, '1'::int4 FROM t;", ""},
    {"SELECT a + 1;", OP},
    {"SELECT a OPERATOR(pg_catalog.+) 1;", ""},
    {"SELECT CASE x OPERATOR(pg_catalog.=) 1 WHEN true THEN 1 END;", OP}, /* PS009 */
    {"SELECT CASE WHEN x OPERATOR(pg_catalog.=) 1 THEN 1 END;", ""},
    {"SELECT 1::int, 1::pg_catalog.int4, 1::s.t;", ""},
    {"SELECT '1'::int4;", REF},
    {"SELECT int4 '1';", REF},
    {"SELECT * FROM t;", REF},
    {"WITH c AS (SELECT 1) SELECT * FROM c;", ""},
    {"CREATE TEMP TABLE scratch (a int);", ""},
    {"SELECT * FROM s.t JOIN s.u USING (id);", OP},
    {"SELECT * FROM s.t WHERE id IN (SELECT id FROM s.u);", OP},
    {"SELECT * FROM s.t WHERE id = ANY (SELECT id FROM s.u);", OP},
    /* pinned: SET, SET LOCAL until the transaction ends, RESET, set_config() */
    {"BEGIN;\nSET LOCAL search_path = pg_catalog, pg_temp;\nSELECT f();\nCOMMIT;\nSELECT g();",
     FN},
    {PIN "RESET search_path;\nSELECT f();", FN},
    {"SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', false);\nSELECT f();",
     ""},
    {"SELECT pg_catalog.set_config('search_path', 'public', false);\nSELECT f();", FN},
    {"SET search_path = 'pg_catalog, pg_temp';\nSELECT f();", FN}, /* one schema */
    /* trust: pg_catalog, a schema the script created, pg_temp last for relations */
    {"CREATE SCHEMA mine;\nSET search_path = mine, pg_temp;\nSELECT f() FROM t;", ""},
    {"SET search_path = app, pg_temp;\nSELECT f() FROM t;", FN "," REF},
    {"SET search_path = pg_catalog;\nSELECT f() FROM t;", REF},
    {"SET search_path = pg_temp, pg_catalog;\nSELECT f() FROM t;", REF},
    /* DO blocks: the session's, then their own SETs; nested blocks inherit */
    {"DO $$BEGIN PERFORM f(); END$$;", FN},
    {PIN "DO $$BEGIN PERFORM f(); END$$;", ""},
    {"DO $$BEGIN SET search_path = pg_catalog, pg_temp; PERFORM f(); END$$;", ""},
    {"DO $$BEGIN SET search_path = pg_catalog, pg_temp;\n"
     "DO $i$BEGIN PERFORM f(); RESET search_path; PERFORM g(); END$i$; END$$;",
     FN},
    /* function bodies: their own clause, or their caller's */
    {PIN "CREATE FUNCTION s.f() RETURNS int LANGUAGE sql AS 'SELECT g()';", FN},
    {"CREATE FUNCTION s.f() RETURNS int LANGUAGE sql SET search_path = pg_catalog, pg_temp\n"
     "AS 'SELECT g() + 1 FROM pg_class';",
     ""},
    {"CREATE FUNCTION s.f() RETURNS int LANGUAGE sql SET search_path = pg_catalog, pg_temp\n"
     "BEGIN ATOMIC SELECT g(); END;",
     ""},
    {"CREATE FUNCTION s.f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT g(); END;", FN},
    {"CREATE FUNCTION s.f() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n"
     "  PERFORM a();\n  SET search_path = pg_catalog, pg_temp;\n  PERFORM b();\n"
     "  RESET search_path;\n  RETURN c() + 1;\nEND $$;",
     FN "," OP},
    {"CREATE FUNCTION s.f() RETURNS SETOF int LANGUAGE plpgsql AS $f$\nBEGIN\n"
     "  RETURN QUERY EXECUTE $$SELECT g()$$;\nEND $f$;",
     FN},
    {"CREATE FUNCTION s.f() RETURNS int LANGUAGE c AS 'lib', 'f';", ""},
    /* a SECURITY DEFINER body: unpinned names are these rules'; pinned, the relation
       only pg_temp can hold is unqualified-in-security-definer's */
    {"CREATE FUNCTION s.f() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT g() FROM t';",
     FN "," REF},
    {"CREATE FUNCTION s.f() RETURNS int LANGUAGE sql SECURITY DEFINER\n"
     "SET search_path = pg_catalog, pg_temp AS 'SELECT g() FROM t';",
     SD},
    {"CREATE SCHEMA mine;\nCREATE TABLE mine.t (a int);\n"
     "CREATE FUNCTION mine.f() RETURNS int LANGUAGE sql SECURITY DEFINER\n"
     "SET search_path = mine, pg_temp AS 'SELECT g() FROM t';",
     ""},
    /* CREATE OPERATOR, AGGREGATE, TRIGGER: the names they look up and create */
    {"CREATE OPERATOR s.=== (LEFTARG = s.t, RIGHTARG = s.t, FUNCTION = s.eq);", ""},
    {"CREATE OPERATOR === (LEFTARG = s.t, RIGHTARG = s.t, FUNCTION = s.eq);", REF},
    {"CREATE OPERATOR s.=== (LEFTARG = t, RIGHTARG = s.t, FUNCTION = eq, COMMUTATOR = ===);",
     DEF},
    {"CREATE AGGREGATE s.total (int) (SFUNC = s.add, STYPE = int, PARALLEL = SAFE);", ""},
    {"CREATE AGGREGATE total (complex) (SFUNC = add, STYPE = complex);", DEF "," REF},
    {PIN "CREATE AGGREGATE total (complex) (SFUNC = add, STYPE = complex);", ""},
    {"CREATE TYPE s.c (INPUT = s.c_in, OUTPUT = s.c_out, ALIGNMENT = double, LIKE = s.d);", ""},
    {"CREATE TYPE s.c (INPUT = c_in, OUTPUT = s.c_out, ALIGNMENT = double, ELEMENT = d);",
     DEF},
    {"CREATE TRIGGER t AFTER INSERT ON s.t FOR EACH ROW EXECUTE FUNCTION s.audit();", ""},
    {"CREATE TRIGGER t AFTER INSERT ON s.t FOR EACH ROW EXECUTE FUNCTION audit();", DEF},
};

/* unqualified-in-definition is opt-in: the cases run with a policy that turns it on */
static lint_config cfg = {.policy = NULL, .pg_version = 15};

static script *lint_as(const char *name, const char *sql)
{
    script_options opt = script_options_default();
    script *s = script_read_memory(name, sql, strlen(sql), &opt);
    script_options_free(&opt);
    lint_check_modules(&cfg, NULL, s, 1u << LINT_SECURITY | 1u << LINT_UNQUALIFIED);
    return s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool ours(const char *id)
{
    return strcmp(id, FN) == 0 || strcmp(id, OP) == 0 || strcmp(id, REF) == 0 ||
           strcmp(id, SD) == 0 || strcmp(id, DEF) == 0;
}

/* The ids of these rules' findings, sorted and comma-separated (malloc'd). */
static char *ids_of(const script *s)
{
    const char **ids = calloc(s->findings.count + 1, sizeof(*ids));
    size_t n = 0;
    for (size_t i = 0; i < s->findings.count; i++)
        if (ours(rule_name(s->findings.items[i].rule)))
            ids[n++] = rule_name(s->findings.items[i].rule);
    qsort(ids, n, sizeof(*ids), cmp_str);
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(ids[i]) + 1;
    char *out = calloc(1, len);
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(out, ",");
        strcat(out, ids[i]);
    }
    free(ids);
    return out;
}

static void test_cases(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        script *s = lint_as("myext--1.0.sql", cases[i].sql);
        char *got = ids_of(s);
        if (strcmp(got, cases[i].ids) != 0) {
            print_error("case %zu:\n%s\nwant [%s]\ngot  [%s]\n", i, cases[i].sql, cases[i].ids,
                        got);
            for (size_t k = 0; k < s->findings.count; k++)
                print_error("  %s: %s\n", rule_name(s->findings.items[k].rule),
                            s->findings.items[k].message);
            failed++;
        }
        free(got);
        script_free(s);
    }
    assert_int_equal(failed, 0);
}

/* Outside an extension script the three rules say nothing. */
static void test_migration(void **state)
{
    (void)state;
    script *s = lint_as("V1__init.sql", "SELECT f(a + 1), '1'::int4 FROM t;\n"
                                        "DO $$BEGIN PERFORM g(); END$$;");
    char *got = ids_of(s);
    assert_string_equal(got, "");
    free(got);
    script_free(s);
}

/* One finding per rule and body, naming what it found, at the first of them. */
static void test_messages(void **state)
{
    (void)state;
    const char *sql = "CREATE FUNCTION s.f() RETURNS int LANGUAGE sql\n"
                      "AS $$ SELECT a(), b(), a(), c(), d(), e() $$;";
    script *s = lint_as("myext--1.0.sql", sql);
    assert_int_equal(s->findings.count > 0, 1);
    const finding *f = NULL;
    for (size_t i = 0; i < s->findings.count; i++)
        if (strcmp(rule_name(s->findings.items[i].rule), FN) == 0) {
            assert_null(f);
            f = &s->findings.items[i];
        }
    assert_non_null(f);
    assert_int_equal(f->offset, (size_t)(strstr(sql, "a()") - sql));
    assert_non_null(strstr(f->message, "functions a(), b(), c() and 2 more are used without a "
                                       "schema in function s.f's body"));
    assert_non_null(strstr(f->message, "the function has no SET search_path"));
    script_free(s);

    s = lint_as("myext--1.0.sql", "SELECT CASE x WHEN 1 THEN 2 END;");
    assert_int_equal(s->findings.count, 1);
    assert_non_null(strstr(s->findings.items[0].message, "= (simple CASE)"));
    assert_non_null(strstr(s->findings.items[0].message, "CASE WHEN x = v"));
    assert_non_null(strstr(s->findings.items[0].message, "CREATE EXTENSION puts the install"));
    script_free(s);
}

/* Without a policy turning it on, unqualified-in-definition says nothing. */
static void test_definition_opt_in(void **state)
{
    (void)state;
    const policy *was = cfg.policy;
    cfg.policy = NULL;
    script *s = lint_as("myext--1.0.sql", "CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, "
                                          "FUNCTION = myeq);");
    char *got = ids_of(s);
    assert_null(strstr(got, DEF)); /* the operator's own name is unqualified-reference */
    free(got);
    script_free(s);
    cfg.policy = was;
}

static int setup(void **state)
{
    (void)state;
    cfg.policy = must_parse_policy("role r { unrestricted; }\ndefault role r;\n"
                                   "rule unqualified-in-definition warning;\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    policy_free((policy *)cfg.policy);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_definition_opt_in),
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_migration),
        cmocka_unit_test(test_messages),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
