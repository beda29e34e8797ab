/*
 * test_newer_syntax.c: the table of newer PostgreSQL syntax (parse/newer_syntax.c)
 * and the template placeholders (parse/placeholders.c): every entry's example fails
 * with the built-in grammar and is recognised as that entry; strings, comments and
 * statements that parse never match; an entry the grammar already has is skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/version.h"
#include "parse/newer_syntax.h"
#include "parse/placeholders.h"
#include "parse/sqlparse.h"

/* The construct sql_newer_syntax() names for sql, or NULL. */
static const newer_syntax *lookup(const char *sql, int grammar_major)
{
    parsed_sql p = sql_parse(sql);
    size_t at = 0;
    const newer_syntax *e = sql_newer_syntax(sql, &p, grammar_major, &at);
    if (e)
        assert_true(at <= strlen(sql));
    parsed_sql_free(&p);
    return e;
}

static void test_every_example_is_recognised(void **state)
{
    (void)state;
    assert_true(newer_syntax_count >= 29);
    for (size_t i = 0; i < newer_syntax_count; i++) {
        const newer_syntax *e = &newer_syntax_table[i];
        assert_true(e->major > 15 && e->major <= 18);
        parsed_sql p = sql_parse(e->example);
        if (e->major > pgward_grammar_major()) {
            if (!p.error)
                fail_msg("example of '%s' parses: %s", e->what, e->example);
            size_t at;
            if (!newer_syntax_match(e, e->example, &p, &at))
                fail_msg("'%s' does not match its example: %s", e->what, e->example);
            const newer_syntax *first = lookup(e->example, pgward_grammar_major());
            if (first != e)
                fail_msg("example of '%s' is taken for '%s'", e->what,
                         first ? first->what : "(nothing)");
        }
        parsed_sql_free(&p);
    }
}

/* Statements that fail but use no newer syntax, or use it only inside strings,
   comments, quoted identifiers or dollar quotes. */
static const char *const not_newer[] = {
    "SELECT 'JSON_TABLE(' FROM t WHERE",
    "SELECT $$ MERGE INTO t USING s ON true WHEN NOT MATCHED BY SOURCE $$ FROM",
    "SELECT 1 /* JSON_TABLE(x) */ FROM WHERE",
    "-- IS JSON\nSELECT FROM WHERE",
    "SELECT \"json_table\"( FROM",
    "SELECT 123abc",
    "SELECT 1_abc",
    "CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED,)",
    "CREATE TABLE t (id int PRIMARY KEY,)",
    "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELET",
    "SELEC 1",
    "SELECT 'unterminated",
};

static void test_other_errors_stay_syntax_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(not_newer) / sizeof(not_newer[0]); i++) {
        const newer_syntax *e = lookup(not_newer[i], pgward_grammar_major());
        if (e)
            fail_msg("'%s' taken for '%s'", not_newer[i], e->what);
    }
}

/* A construct after the place the parser gave up did not make it give up. */
static void test_construct_after_the_error_does_not_count(void **state)
{
    (void)state;
    assert_null(lookup("SELEC 1; SELECT 0x1F", pgward_grammar_major()));
    assert_null(lookup("SELECT FROM WHERE x IS JSON", pgward_grammar_major()));
    assert_non_null(lookup("SELECT x IS JSON FROM WHERE", pgward_grammar_major()));
}

/* Newer syntax the 15 grammar reads as something else: it parses, so it is never
   looked at (the doc says so). */
static void test_parsing_statements_are_never_touched(void **state)
{
    (void)state;
    static const char *const parse[] = {
        "SELECT system_user",
        "UPDATE t SET a = 2 RETURNING old.a, new.a",
        "SELECT JSON_VALUE(doc, '$.a') FROM t",
        "SELECT json_object('{a,1}')",
    };
    for (size_t i = 0; i < sizeof(parse) / sizeof(parse[0]); i++) {
        parsed_sql p = sql_parse(parse[i]);
        assert_null(p.error);
        size_t at;
        assert_null(sql_newer_syntax(parse[i], &p, pgward_grammar_major(), &at));
        parsed_sql_free(&p);
    }
}

/* With a grammar that has the construct already, the entry is skipped: a failure
   there is another error. */
static void test_entries_the_grammar_has_are_skipped(void **state)
{
    (void)state;
    const char *merge = "MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED BY SOURCE THEN DELETE";
    assert_non_null(lookup(merge, 16));
    assert_null(lookup(merge, 17));
    assert_null(lookup("SELECT 1_000", 16));
    assert_non_null(lookup("SELECT 1_000", 15));
}

static void test_token_patterns(void **state)
{
    (void)state;
    /* keywords are matched whatever their case, across lines and comments */
    const newer_syntax *e =
        lookup("merge into t using s on t.id = s.id\nwhen not matched -- x\n by target then "
               "insert values (1)",
               pgward_grammar_major());
    assert_non_null(e);
    assert_int_equal(e->major, 17);
    /* a balanced group: the generated expression holds parentheses */
    e = lookup("CREATE TABLE t (a int, b int GENERATED ALWAYS AS ((a + 1) * f(a, (2))))",
               pgward_grammar_major());
    assert_non_null(e);
    assert_int_equal(e->major, 18);
    /* $ allows a trailing ';' */
    e = lookup("REINDEX (VERBOSE) SYSTEM;", pgward_grammar_major());
    assert_non_null(e);
    assert_int_equal(e->major, 16);
}

/* A statement longer than SQL_SCAN_MAX is not scanned: a syntax error, bounded. */
static void test_long_statements_are_not_scanned(void **state)
{
    (void)state;
    size_t pad = SQL_SCAN_MAX;
    char *sql = malloc(pad + 128);
    assert_non_null(sql);
    strcpy(sql, "SELECT * FROM JSON_TABLE(doc, '$' COLUMNS (id int)) AS jt /*");
    size_t n = strlen(sql);
    memset(sql + n, 'x', pad);
    strcpy(sql + n + pad, "*/");
    assert_null(lookup(sql, pgward_grammar_major()));
    sql_placeholder *ph;
    memcpy(sql, "SELECT ${a}", 11);
    assert_int_equal(sql_find_placeholders(sql, &ph), 0);
    free(sql);
}

static void test_scan(void **state)
{
    (void)state;
    sql_token *t;
    size_t n;
    long err;
    assert_int_equal(sql_scan("SELECT 'a' /* c */, \"Q\" -- x\n, $1, 1.5", &t, &n, &err), 0);
    assert_int_equal(n, 10);
    assert_int_equal(t[0].kind, SQL_TOK_WORD);
    assert_int_equal(t[1].kind, SQL_TOK_STRING);
    assert_int_equal(t[2].kind, SQL_TOK_COMMENT);
    assert_int_equal(t[4].kind, SQL_TOK_QUOTED);
    assert_int_equal(t[5].kind, SQL_TOK_COMMENT);
    assert_int_equal(t[7].kind, SQL_TOK_PARAM);
    assert_int_equal(t[9].kind, SQL_TOK_NUMBER);
    free(t);
    assert_int_equal(sql_scan("SELECT 'open", &t, &n, &err), -1);
    assert_null(t);
    assert_int_equal(err, 7);
}

static void test_placeholders(void **state)
{
    (void)state;
    sql_placeholder *ph;
    const char *sql = "CREATE TABLE ${schema}.t (a int DEFAULT {{ dflt }}) -- ${not_this}\n"
                      "; SELECT @extschema@.f('MODULE_PATHNAME', '${nor_this}'), "
                      "@extschema:dep@.g(), @VERSION@, MODULE_PATHNAME, a @> b";
    size_t n = sql_find_placeholders(sql, &ph);
    assert_int_equal(n, 6);
    assert_string_equal(ph[0].text, "${schema}");
    assert_string_equal(ph[1].text, "{{ dflt }}");
    assert_string_equal(ph[2].text, "@extschema@");
    assert_string_equal(ph[2].tool, "CREATE EXTENSION");
    assert_string_equal(ph[3].text, "@extschema:dep@");
    assert_string_equal(ph[4].text, "@VERSION@");
    assert_string_equal(ph[5].text, "MODULE_PATHNAME");
    assert_int_equal(ph[0].off, 13);
    assert_int_equal(ph[0].len, 9);
    sql_placeholders_free(ph, n);
    assert_int_equal(sql_find_placeholders("SELECT a @> b, '{{x}}', $$ ${y} $$", &ph), 0);
    sql_placeholders_free(ph, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_example_is_recognised),
        cmocka_unit_test(test_other_errors_stay_syntax_errors),
        cmocka_unit_test(test_construct_after_the_error_does_not_count),
        cmocka_unit_test(test_parsing_statements_are_never_touched),
        cmocka_unit_test(test_entries_the_grammar_has_are_skipped),
        cmocka_unit_test(test_token_patterns),
        cmocka_unit_test(test_long_statements_are_not_scanned),
        cmocka_unit_test(test_scan),
        cmocka_unit_test(test_placeholders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
