/*
 * test_extension.c: reading an extension script as CREATE EXTENSION does
 * (script/extension.c): which files are one and why, the \echo lines left out
 * (the guard first of all), the placeholders bound with every position kept, what
 * the gate is told, and that without extension reading (apply, bundle) a file is
 * read exactly as psql reads it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script/script.h"

static script *read_as(const char *name, const char *in, bool reading, script_profile profile,
                       const char *extschema)
{
    script_options opt = script_options_default();
    opt.extension_reading = reading;
    opt.profile = profile;
    opt.extschema = extschema;
    script *s = script_read_memory(name, in, strlen(in), &opt);
    script_options_free(&opt);
    return s;
}

static size_t count_rule(const finding_list *l, rule_id id)
{
    size_t n = 0;
    for (size_t i = 0; i < l->count; i++)
        n += l->items[i].rule == id;
    return n;
}

static void test_names(void **state)
{
    (void)state;
    assert_true(script_extension_name("myext--1.0.sql"));
    assert_true(script_extension_name("sql/myext--1.0--1.1.sql"));
    assert_false(script_extension_name("--1.0.sql"));
    assert_false(script_extension_name("myext--.sql"));
    assert_false(script_extension_name("myext-1.0.sql"));
    assert_false(script_extension_name("a--b/c.sql"));
    assert_false(script_extension_name("myext--1.0.sql.txt"));
}

/* Which file is one, and why: the guard counts only as the first thing in it. */
static void test_why(void **state)
{
    (void)state;
    static const struct {
        const char *name, *in;
        script_ext_why why;
    } cases[] = {
        {"a.sql", "SELECT 1;\n", SCRIPT_EXT_NO},
        {"a--1.0.sql", "SELECT 1;\n", SCRIPT_EXT_NAME},
        {"a.sql", "\\echo Use \"CREATE EXTENSION a\" to load this file. \\quit\nSELECT 1;\n",
         SCRIPT_EXT_GUARD},
        {"a.sql", "\\echo Use \"CREATE EXTENSION a\" to load this file. \\q\nSELECT 1;\n",
         SCRIPT_EXT_GUARD},
        {"a.sql",
         "/* contrib/a/a--1.0.sql /* nested */ */\n\n-- complain if sourced in psql\n"
         "\\echo Use \"CREATE EXTENSION a\" \\quit\nSELECT 1;\n",
         SCRIPT_EXT_GUARD},
        {"a.sql", "\xEF\xBB\xBF\\echo x \\quit\nSELECT 1;\n", SCRIPT_EXT_GUARD},
        /* after a statement, without \quit, indented, \quitx: not a guard */
        {"a.sql", "SELECT 1;\n\\echo Use \"CREATE EXTENSION a\" \\quit\nSELECT 2;\n",
         SCRIPT_EXT_NO},
        {"a.sql", "\\echo hello\nSELECT 1;\n", SCRIPT_EXT_NO},
        {"a.sql", "  \\echo x \\quit\nSELECT 1;\n", SCRIPT_EXT_NO},
        {"a.sql", "\\echo x \\quitx\nSELECT 1;\n", SCRIPT_EXT_NO},
        {"a.sql", "/* unterminated \\echo x \\quit\n", SCRIPT_EXT_NO},
        {"a.sql", "CREATE TABLE @extschema@.t (a int);\n", SCRIPT_EXT_PLACEHOLDER},
        {"a.sql", "GRANT USAGE ON SCHEMA s TO @extowner@;\n", SCRIPT_EXT_PLACEHOLDER},
        {"a.sql", "SELECT @extschema:dep@.f();\n", SCRIPT_EXT_PLACEHOLDER},
        {"a.sql", "SELECT @PREFIX@_count FROM t;\n", SCRIPT_EXT_NO},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        script *s = read_as(cases[i].name, cases[i].in, true, SCRIPT_PROFILE_AUTO, NULL);
        if (s->extension != cases[i].why)
            fail_msg("case %zu: why %d, expected %d", i, s->extension, cases[i].why);
        script_free(s);
        /* without extension reading only the name makes one */
        s = read_as(cases[i].name, cases[i].in, false, SCRIPT_PROFILE_AUTO, NULL);
        script_ext_why off = cases[i].why == SCRIPT_EXT_NAME ? SCRIPT_EXT_NAME : SCRIPT_EXT_NO;
        if (s->extension != off)
            fail_msg("case %zu without reading: why %d, expected %d", i, s->extension, off);
        script_free(s);
    }
    script *s = read_as("a.sql", "SELECT 1;\n", true, SCRIPT_PROFILE_EXTENSION, NULL);
    assert_int_equal(s->extension, SCRIPT_EXT_PROFILE);
    assert_string_equal(s->extschema, SCRIPT_DEFAULT_EXTSCHEMA);
    script_free(s);
    s = read_as("a--1.0.sql", "\\echo x \\quit\n@extschema@\n", true, SCRIPT_PROFILE_MIGRATION,
                NULL);
    assert_int_equal(s->extension, SCRIPT_EXT_NO);
    assert_null(s->extschema);
    script_free(s);
}

/* The guard and every other \echo line left out; the statements after it read. */
static void test_guard_read_past(void **state)
{
    (void)state;
    const char *in = "\\echo Use \"CREATE EXTENSION a\" to load this file. \\quit\n"
                     "SELECT 1;\n"
                     "\\echo just a message\n"
                     "SELECT 2;\n";
    script *s = read_as("a.sql", in, true, SCRIPT_PROFILE_AUTO, NULL);
    assert_int_equal(s->nstmts, 2);
    assert_string_equal(s->stmts[0].text, "SELECT 1;");
    assert_int_equal(s->stmts[0].line, 2);
    assert_string_equal(s->stmts[1].text, "SELECT 2;");
    assert_int_equal(s->stmts[1].line, 4);
    assert_int_equal(s->ext_lines, 2);
    assert_int_equal(s->nechos, 0);
    assert_int_equal(count_rule(&s->findings, RULE_UNREAD_AFTER_QUIT), 0);
    /* the gate is told: apply reads the file as psql does */
    assert_int_equal(s->notes.count, 1);
    assert_int_equal(s->notes.items[0].rule, RULE_UNPROVEN);
    assert_int_equal(s->notes.items[0].line, 1);
    script_free(s);

    /* read as psql does: nothing after the guard, nothing for the gate to hear */
    s = read_as("a.sql", in, false, SCRIPT_PROFILE_AUTO, NULL);
    assert_int_equal(s->nstmts, 0);
    assert_int_equal(s->ext_lines, 0);
    assert_int_equal(count_rule(&s->findings, RULE_UNREAD_AFTER_QUIT), 1);
    assert_int_equal(s->notes.count, 0);
    script_free(s);
}

/*
 * A hostile file: a second guard further down. psql would stop there; CREATE
 * EXTENSION runs what follows, so pgward reads it and says so. A \quit on a line
 * of its own keeps psql's meaning (the server would refuse it anyway).
 */
static void test_later_guard(void **state)
{
    (void)state;
    const char *in = "\\echo Use \"CREATE EXTENSION a\" \\quit\n"
                     "SELECT 1;\n"
                     "\\echo Use \"CREATE EXTENSION a\" \\quit\n"
                     "DROP TABLE hidden;\n"
                     "\\quit\n"
                     "DROP TABLE unread;\n";
    script *s = read_as("a.sql", in, true, SCRIPT_PROFILE_AUTO, NULL);
    assert_int_equal(s->nstmts, 2);
    assert_string_equal(s->stmts[1].text, "DROP TABLE hidden;");
    assert_int_equal(count_rule(&s->findings, RULE_UNREAD_AFTER_QUIT), 2);
    const finding *later = NULL, *bare = NULL;
    for (size_t i = 0; i < s->findings.count; i++) {
        if (s->findings.items[i].rule != RULE_UNREAD_AFTER_QUIT)
            continue;
        if (s->findings.items[i].line == 3)
            later = &s->findings.items[i];
        if (s->findings.items[i].line == 5)
            bare = &s->findings.items[i];
    }
    assert_non_null(later);
    assert_non_null(strstr(later->message, "CREATE EXTENSION"));
    assert_non_null(bare);
    assert_non_null(strstr(bare->message, "not read"));
    script_free(s);

    /* not an extension script: the guard's place is taken, psql's reading holds */
    const char *late = "SELECT 1;\n\\echo Use \"CREATE EXTENSION a\" \\quit\nDROP TABLE x;\n";
    s = read_as("a.sql", late, true, SCRIPT_PROFILE_AUTO, NULL);
    assert_int_equal(s->extension, SCRIPT_EXT_NO);
    assert_int_equal(s->nstmts, 1);
    assert_int_equal(count_rule(&s->findings, RULE_UNREAD_AFTER_QUIT), 1);
    script_free(s);
}

/* Placeholders bound in the text, each byte of the rest mapped to its source. */
static void test_placeholders(void **state)
{
    (void)state;
    const char *in = "SELECT 1;\n"
                     "CREATE TABLE @extschema@.t (a int); GRANT SELECT ON @extschema@.t TO "
                     "@extowner@;\n"
                     "SELECT @extschema:dep@.f(1);\n";
    script *s = read_as("a--1.0.sql", in, true, SCRIPT_PROFILE_AUTO, NULL);
    assert_int_equal(s->nstmts, 4);
    const statement *st = &s->stmts[1];
    assert_string_equal(st->text, "CREATE TABLE \"@extschema@\".t (a int);");
    assert_null(st->parse.error);
    const char *src = strstr(in, "@extschema@.t");
    /* ".t" after the bound name: its own byte; inside the name: the placeholder */
    size_t dot = (size_t)(strstr(st->text, "\".t") + 1 - st->text);
    assert_int_equal(statement_source_offset(st, dot), (size_t)(src - in) + 11);
    assert_int_equal(statement_source_offset(st, dot - 3), (size_t)(src - in));
    assert_int_equal(statement_source_offset(st, 2), 12); /* "EATE" of CREATE */
    st = &s->stmts[2];
    assert_string_equal(st->text,
                        "GRANT SELECT ON \"@extschema@\".t TO \"@extowner@\";");
    size_t semi = st->text_len - 1;
    assert_int_equal(statement_source_offset(st, semi), (size_t)(strstr(in, "@extowner@;") - in) + 10);
    st = &s->stmts[3];
    assert_string_equal(st->text, "SELECT \"@extschema:dep@\".f(1);");
    assert_int_equal(s->ext_bound, 4);
    /* the gate is told once */
    assert_int_equal(s->notes.count, 1);
    assert_int_equal(s->notes.items[0].line, 2);
    assert_int_equal(s->notes.items[0].column, 14);
    script_free(s);

    /* --extschema: a quoted name, quotes doubled */
    s = read_as("a--1.0.sql", "SET search_path = @extschema@, pg_temp;\n", true,
                SCRIPT_PROFILE_AUTO, "my\"schema");
    assert_string_equal(s->stmts[0].text, "SET search_path = \"my\"\"schema\", pg_temp;");
    assert_string_equal(s->extschema, "my\"schema");
    script_free(s);

    /* without extension reading: left as written, the parser's template-placeholder */
    s = read_as("a--1.0.sql", "CREATE TABLE @extschema@.t (a int);\n", false,
                SCRIPT_PROFILE_AUTO, NULL);
    assert_string_equal(s->stmts[0].text, "CREATE TABLE @extschema@.t (a int);");
    assert_int_equal(count_rule(&s->findings, RULE_TEMPLATE_PLACEHOLDER), 1);
    assert_int_equal(s->notes.count, 0);
    script_free(s);
}

/* An extension script with nothing CREATE EXTENSION reads otherwise: no note. */
static void test_nothing_changed(void **state)
{
    (void)state;
    script *s = read_as("a--1.0.sql", "CREATE TABLE t (a int);\n", true, SCRIPT_PROFILE_AUTO,
                        NULL);
    assert_int_equal(s->extension, SCRIPT_EXT_NAME);
    assert_int_equal(s->notes.count, 0);
    assert_int_equal(s->nstmts, 1);
    script_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_why),
        cmocka_unit_test(test_guard_read_past),
        cmocka_unit_test(test_later_guard),
        cmocka_unit_test(test_placeholders),
        cmocka_unit_test(test_nothing_changed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
