/*
 * test_script.c: table-driven tests of the script front end (scanner +
 * interpreter): for each input, the exact statement texts psql would send and the
 * rules of the findings, in order. The PostgreSQL conformance test (tests/pg)
 * checks the same behaviour against a real psql; these run in milliseconds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/pgnode.h"
#include "script/script.h"

#define MAX_EXPECT 8

typedef struct script_case {
    const char *name;
    const char *input;
    const char *vars[4];                  /* NAME=VALUE */
    const char *stmts[MAX_EXPECT];        /* expected texts, NULL-terminated */
    const char *rules[MAX_EXPECT];        /* expected finding rules (error+warning) */
} script_case;

static const script_case cases[] = {
    {"simple", "SELECT 1;\nSELECT 2;\n", {0}, {"SELECT 1;", "SELECT 2;"}, {0}},
    {"leading whitespace and -- comments dropped", "  -- hi\n\n  SELECT 1;", {0},
     {"SELECT 1;"}, {0}},
    {"block comment kept", "/* c */ SELECT 1;", {0}, {"/* c */ SELECT 1;"}, {0}},
    {"inner -- comment kept", "SELECT 1 -- x;\n;", {0}, {"SELECT 1 -- x;\n;"}, {0}},
    {"nested comment", "SELECT /* a /* ; */ ; */ 1;", {0}, {"SELECT /* a /* ; */ ; */ 1;"}, {0}},
    {"string with doubled quote", "SELECT 'a'';b';", {0}, {"SELECT 'a'';b';"}, {0}},
    {"standard string backslash", "SELECT 'a\\';", {0}, {"SELECT 'a\\';"}, {0}},
    {"E string backslash quote", "SELECT E'a\\';b';", {0}, {"SELECT E'a\\';b';"}, {0}},
    {"U& string and ident", "SELECT U&'a;b' UESCAPE '!', U&\"c;d\";", {0},
     {"SELECT U&'a;b' UESCAPE '!', U&\"c;d\";"}, {0}},
    {"dollar quotes", "SELECT $$;$$, $t$ $$; $t$;", {0}, {"SELECT $$;$$, $t$ $$; $t$;"}, {0}},
    {"identifier with dollar is not a quote", "SELECT a$b$ FROM t; SELECT 2;", {0},
     {"SELECT a$b$ FROM t;", "SELECT 2;"}, {0}},
    {"quoted identifier", "SELECT \"a;\"\"b\";", {0}, {"SELECT \"a;\"\"b\";"}, {0}},
    {"parenthesis depth", "CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2);", {0},
     {"CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2);"}, {0}},
    {"begin atomic",
     "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; "
     "SELECT CASE WHEN true THEN 1 END; END; SELECT 2;",
     {0},
     {"CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; "
      "SELECT CASE WHEN true THEN 1 END; END;",
      "SELECT 2;"},
     {0}},
    {"begin transaction is not atomic", "BEGIN; SELECT 1; END;", {0},
     {"BEGIN;", "SELECT 1;", "END;"}, {0}},
    {"backslash semicolon joins", "SELECT 1\\; SELECT 2;", {0}, {"SELECT 1; SELECT 2;"}, {0}},
    {"last statement without semicolon", "SELECT 1;\nSELECT 2\n", {0},
     {"SELECT 1;", "SELECT 2"}, {0}},
    {"comment-only tail is sent", "SELECT 1;\n/* end */\n", {0}, {"SELECT 1;", "/* end */"}, {0}},
    {"lone semicolon", ";", {0}, {";"}, {0}},
    {"copy from stdin data skipped",
     "COPY t FROM STDIN;\n1;2\n\\.\nSELECT 1;", {0}, {"COPY t FROM STDIN;", "SELECT 1;"}, {0}},
    {"copy rest of line read after data",
     "COPY t FROM STDIN; SELECT 'a';\nx\n\\.\nSELECT 'b';", {0},
     {"COPY t FROM STDIN;", "SELECT 'a';", "SELECT 'b';"}, {0}},
    {"copy without \\. line: the rest is data, as psql", "COPY t FROM STDIN;\nSELECT 1;", {0},
     {"COPY t FROM STDIN;"}, {"script-error"}},
    {"empty lines dropped as psql", "SELECT 1,\n\n  2;\nSELECT 'a\n\nb';", {0},
     {"SELECT 1,\n  2;", "SELECT 'a\n\nb';"}, {0}},
    {"q ends the file, pending text sent", "SELECT 1\n\\q\nSELECT 2;", {0}, {"SELECT 1"},
     {"unread-after-quit"}},
    {"q with only comments after says nothing", "SELECT 1;\n\\q\n-- done\n/* x */\n", {0},
     {"SELECT 1;"}, {0}},
    {"q in an inactive branch does nothing", "\\if false\n\\q\n\\endif\nSELECT 1;", {0},
     {"SELECT 1;"}, {0}},
    {"byte order mark skipped", "\xEF\xBB\xBFSELECT 1;", {0}, {"SELECT 1;"}, {0}},
    {"standard_conforming_strings off", "SET standard_conforming_strings = off;\nSELECT 'a\\'; b';\n"
     "RESET standard_conforming_strings;\nSELECT 'a\\';", {0},
     {"SET standard_conforming_strings = off;", "SELECT 'a\\'; b';",
      "RESET standard_conforming_strings;", "SELECT 'a\\';"}, {"syntax-error"}},
    {"standard_conforming_strings = 0 is off (libpg_query leaves the 0 out)",
     "SET standard_conforming_strings = 0;\nSELECT 'a\\'; b';\n", {0},
     {"SET standard_conforming_strings = 0;", "SELECT 'a\\'; b';"}, {"syntax-error"}},
    {"backslash semicolon restarts CREATE FUNCTION check",
     "SELECT 1 \\; CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;", {0},
     {"SELECT 1 ; CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;"}, {0}},
    {"|command eats the rest of the line", "\\if false\n\\w |cat \\else\nSELECT 1;\n\\endif\nSELECT 2;",
     {0}, {"SELECT 2;"}, {"unsupported-meta-command"}},
    {"copy to stdout has no data", "COPY t TO STDOUT;\nSELECT 1;", {0},
     {"COPY t TO STDOUT;", "SELECT 1;"}, {0}},
    {"set and plain variable", "\\set x 42\nSELECT :x;", {0}, {"SELECT 42;"}, {0}},
    {"set concatenates", "\\set x a 'b c' d\nSELECT ':x';\nSELECT :'x';", {0},
     {"SELECT ':x';", "SELECT 'ab cd';"}, {0}},
    {"literal variable escaping", "SELECT :'v';", {"v=it's \\x"}, {"SELECT  E'it''s \\\\x';"}, {0}},
    {"identifier variable", "SELECT :\"v\";", {"v=a\"b"}, {"SELECT \"a\"\"b\";"}, {0}},
    {"defined test", "SELECT :{?v}, :{?w};", {"v=1"}, {"SELECT TRUE, FALSE;"}, {0}},
    {"undefined left as written", "SELECT :nope, :'nope';", {0}, {"SELECT :nope, :'nope';"}, {"unset-variable"}},
    {"typecast is not a variable", "SELECT 1::int;", {"int=bad"}, {"SELECT 1::int;"}, {0}},
    {"variables not in literals or comments", "SELECT ':v', \":v\", $$:v$$ -- :v\n;", {"v=X"},
     {"SELECT ':v', \":v\", $$:v$$ -- :v\n;"}, {0}},
    {"plain value is rescanned", "\\set q 'SELECT 1; SELECT'\n:q 2;", {0},
     {"SELECT 1;", "SELECT 2;"}, {0}},
    {"recursive variable", "\\set a ':a'\nSELECT :a;", {0}, {"SELECT :a;"},
     {"script-error", "syntax-error"}},
    {"unset", "\\set x 1\n\\unset x\nSELECT :x;", {0}, {"SELECT :x;"}, {"unset-variable"}},
    {"escaped colon", "SELECT \\:x;", {"x=1"}, {"SELECT :x;"}, {"syntax-error"}},
    {"if true", "\\if true\nSELECT 1;\n\\else\nSELECT 2;\n\\endif", {0}, {"SELECT 1;"}, {0}},
    {"if false elif else", "\\if 0\nSELECT 1;\n\\elif off\nSELECT 2;\n\\else\nSELECT 3;\n\\endif", {0},
     {"SELECT 3;"}, {0}},
    {"if variable", "\\if :flag\nSELECT 1;\n\\endif", {"flag=yes"}, {"SELECT 1;"}, {0}},
    {"if nested inactive not evaluated", "\\if f\n\\if :undefined_is_not_checked\nSELECT 1;\n\\endif\n\\endif\nSELECT 2;", {0},
     {"SELECT 2;"}, {0}},
    {"if bad boolean is false", "\\if maybe\nSELECT 1;\n\\endif", {0}, {0}, {"script-error"}},
    {"inactive branch discards partial text", "SELECT 1\n\\if false\n, 2\n\\endif\n;", {0},
     {"SELECT 1\n;"}, {0}},
    {"endif without if", "\\endif\nSELECT 1;", {0}, {"SELECT 1;"}, {"script-error"}},
    {"if without endif", "\\if true\nSELECT 1;", {0}, {"SELECT 1;"}, {"script-error"}},
    {"g sends", "SELECT 1 \\g\nSELECT 2\n\\g", {0}, {"SELECT 1 ", "SELECT 2"}, {0}},
    {"g resends previous", "SELECT 1;\n\\g", {0}, {"SELECT 1;", "SELECT 1;"}, {0}},
    {"gset", "SELECT 1 AS n \\gset\nSELECT 2;", {0}, {"SELECT 1 AS n ", "SELECT 2;"}, {0}},
    {"meta line inside statement", "SELECT 1\n\\echo hi\n;", {0}, {"SELECT 1\n;"}, {0}},
    {"double backslash separator", "\\echo a \\\\ SELECT 1;", {0}, {"SELECT 1;"}, {0}},
    {"two commands on one line", "\\set a 1 \\set b 2\nSELECT :a, :b;", {0}, {"SELECT 1, 2;"}, {0}},
    {"unsupported meta-command", "\\c other\nSELECT 1;", {0}, {"SELECT 1;"},
     {"unsupported-meta-command"}},
    {"unsupported whole-line command", "\\! echo ; rm x\nSELECT 1;", {0}, {"SELECT 1;"},
     {"unsupported-meta-command"}},
    {"syntax error is per statement", "SELEC 1;\nSELECT 2;", {0}, {"SELEC 1;", "SELECT 2;"},
     {"syntax-error"}},
    {"crlf", "SELECT 1\r\n;\r\nSELECT 2;\r\n", {0}, {"SELECT 1\r\n;", "SELECT 2;"}, {0}},
    {"on_error_stop bare means on", "\\set ON_ERROR_STOP\n\\if :ON_ERROR_STOP\nSELECT 1;\n\\endif", {0},
     {"SELECT 1;"}, {0}},
    {"bad boolean for ON_ERROR_STOP", "\\set ON_ERROR_STOP maybe", {0}, {0}, {"script-error"}},
    {"invalid variable name", "\\set a-b 1", {0}, {0}, {"script-error"}},
    {"unterminated quoted argument", "\\set a 'oops\nSELECT 1;", {0}, {"SELECT 1;"}, {"script-error"}},
    {"backquote refused", "\\set a `id`\nSELECT 1;", {0}, {"SELECT 1;"}, {"script-error"}},
    {"include forbidden", "\\i other.sql\nSELECT 1;", {0}, {"SELECT 1;"}, {"include-error"}},
    {"include missing argument", "\\i\nSELECT 1;", {0}, {"SELECT 1;"}, {"include-error"}},
    {"extra argument warned", "\\endif extra", {0}, {0}, {"script-error", "script-error"}},
};

/* The findings above info level are exactly rules (NULL-terminated or MAX_EXPECT long). */
static void assert_rules(const script *s, const char *const *rules)
{
    size_t nf = 0;
    for (size_t i = 0; i < s->findings.count; i++) {
        const finding *f = &s->findings.items[i];
        if (f->severity == SEV_INFO)
            continue;
        if (nf >= MAX_EXPECT || !rules[nf])
            print_error("  unexpected finding %s: %s\n", rule_name(f->rule), f->message);
        assert_true(nf < MAX_EXPECT && rules[nf]);
        assert_string_equal(rule_name(f->rule), rules[nf]);
        nf++;
    }
    assert_true(nf == MAX_EXPECT || rules[nf] == NULL);
}

static void run_case(const script_case *c)
{
    script_options opt = script_options_default();
    opt.forbid_includes = true;
    for (int i = 0; i < 4 && c->vars[i]; i++)
        assert_int_equal(script_set_var_assignment(&opt, c->vars[i]), 0);
    script *s = script_read_memory("case.sql", c->input, strlen(c->input), &opt);
    size_t n = 0;
    while (n < MAX_EXPECT && c->stmts[n])
        n++;
    if (s->nstmts != n) {
        for (size_t i = 0; i < s->nstmts; i++)
            print_error("  got [%zu] '%s'\n", i, s->stmts[i].text);
    }
    assert_int_equal(s->nstmts, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(s->stmts[i].text, c->stmts[i]);
    assert_rules(s, c->rules);
    script_free(s);
    script_options_free(&opt);
}

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        print_message("case: %s\n", cases[i].name);
        run_case(&cases[i]);
    }
}

/* Origins: line, column and offsets point into the original text. */
static void test_origin(void **state)
{
    (void)state;
    script_options opt = script_options_default();
    script_set_var(&opt, "t", "tbl");
    const char *in = "-- head\n  SELECT a\n  FROM :t WHERE x = 'é'; SELEC 2;\n";
    script *s = script_read_memory("o.sql", in, strlen(in), &opt);
    assert_int_equal(s->nstmts, 2);
    statement *a = &s->stmts[0], *b = &s->stmts[1];
    assert_string_equal(a->text, "SELECT a\n  FROM tbl WHERE x = 'é';");
    assert_int_equal(a->line, 2);
    assert_int_equal(a->column, 3);
    assert_int_equal(a->offset, 10);
    /* "tbl" maps back to the reference ":t" */
    size_t at = (size_t)(strstr(a->text, "tbl") - a->text);
    assert_int_equal(statement_source_offset(a, at), (size_t)(strstr(in, ":t") - in));
    /* text after the substitution maps to its own place */
    at = (size_t)(strstr(a->text, "WHERE") - a->text);
    assert_int_equal(statement_source_offset(a, at), (size_t)(strstr(in, "WHERE") - in));
    assert_int_equal(b->line, 3);
    assert_int_equal(b->column, 26); /* é counts as one column */
    assert_int_equal(s->findings.count, 1);
    assert_int_equal(s->findings.items[0].line, 3);
    assert_int_equal(s->findings.items[0].column, 26);
    script_free(s);
    script_options_free(&opt);
}

/* A syntax error's position is mapped through variable substitution. */
static void test_error_position_after_substitution(void **state)
{
    (void)state;
    script_options opt = script_options_default();
    script_set_var(&opt, "cols", "a, b, c");
    const char *in = "SELECT :cols FRM t;";
    script *s = script_read_memory("e.sql", in, strlen(in), &opt);
    assert_int_equal(s->findings.count, 1);
    assert_string_equal(rule_name(s->findings.items[0].rule), "syntax-error");
    assert_int_equal(s->findings.items[0].offset, (size_t)(strstr(in, "t;") - in));
    script_free(s);
    script_options_free(&opt);
}

/* A meta-command that comes from a variable is reported inside the source. */
static void test_finding_inside_source(void **state)
{
    (void)state;
    script_options opt = script_options_default();
    const char *in = "\\set b '\\\\foobar'\n:b";
    script *s = script_read_memory("f.sql", in, strlen(in), &opt);
    assert_int_equal(s->findings.count, 1);
    const finding *f = &s->findings.items[0];
    assert_string_equal(rule_name(f->rule), "unsupported-meta-command");
    assert_int_equal(f->offset, strlen(in) - 2);
    assert_true(f->offset + f->length <= strlen(in));
    script_free(s);
    script_options_free(&opt);
}

/* Includes fail closed when the root folder does not exist. */
static void test_unresolvable_root_refuses_includes(void **state)
{
    (void)state;
    script_options opt = script_options_default();
    opt.root = "/nonexistent/pgward-root";
    const char *in = "\\i /etc/hostname\nSELECT 1;";
    script *s = script_read_memory("r.sql", in, strlen(in), &opt);
    assert_int_equal(s->nsources, 1);
    assert_int_equal(s->nstmts, 1);
    assert_int_equal(s->findings.count, 1);
    assert_string_equal(rule_name(s->findings.items[0].rule), "include-error");
    script_free(s);
    script_options_free(&opt);
}

/* Includes nest at most max_include_depth levels: the next one is an include-error. */
static void test_include_depth_limit(void **state)
{
    (void)state;
    char dir[] = "/tmp/pgward-test-depth-XXXXXX"; /* mkdtemp template */
    assert_non_null(mkdtemp(dir));
    for (int i = 0; i < 6; i++) {
        char *p = xasprintf("%s/f%d.sql", dir, i);
        FILE *f = fopen(p, "w");
        assert_non_null(f);
        fprintf(f, "SELECT %d;\n\\ir f%d.sql\n", i, i + 1);
        fclose(f);
        free(p);
    }
    script_options opt = script_options_default();
    opt.max_include_depth = 3;
    char *top = xasprintf("%s/f0.sql", dir);
    script *s = script_read_file(top, &opt);
    /* f0 includes f1, f2, f3; including f4 goes past the limit */
    assert_int_equal(s->nstmts, 4);
    size_t depth_errors = 0;
    for (size_t i = 0; i < s->findings.count; i++)
        depth_errors += strstr(s->findings.items[i].message, "nested deeper than 3") != NULL;
    assert_int_equal(depth_errors, 1);
    script_free(s);
    script_options_free(&opt);
    free(top);
    char *cmd = xasprintf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

static void test_copy_data(void **state)
{
    (void)state;
    script_options opt = script_options_default();
    const char *in = "COPY t (a) FROM stdin;\n1\n2\n\\.\n";
    script *s = script_read_memory("c.sql", in, strlen(in), &opt);
    assert_int_equal(s->nstmts, 1);
    assert_non_null(s->stmts[0].copy_data);
    assert_int_equal(s->stmts[0].copy_data_len, 4);
    assert_memory_equal(s->stmts[0].copy_data, "1\n2\n", 4);
    script_free(s);
    script_options_free(&opt);
}

static void test_gset_runtime(void **state)
{
    (void)state;
    script_options opt = script_options_default();
    const char *in = "SELECT count(*) AS n FROM t \\gset p_\n"
                     "\\if :p_n\nSELECT 1;\n\\else\nSELECT 2;\n\\endif\nSELECT :p_n;";
    script *s = script_read_memory("g.sql", in, strlen(in), &opt);
    assert_int_equal(s->nstmts, 4);
    assert_string_equal(s->stmts[0].gset_prefix, "p_");
    assert_true(s->stmts[1].conditional);
    assert_true(s->stmts[2].conditional);
    assert_false(s->stmts[3].conditional);
    assert_true(s->stmts[3].uses_runtime_vars);
    assert_string_equal(s->stmts[3].text, "SELECT NULL;"); /* a placeholder that parses */
    assert_null(s->stmts[3].parse.error);
    script_free(s);
    script_options_free(&opt);
}

static void test_huge_expansion_bounded(void **state)
{
    (void)state;
    script_options opt = script_options_default();
    /* each level doubles: unbounded this would be 2^40 bytes */
    strbuf in = {0};
    sb_adds(&in, "\\set v0 abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\n");
    for (int i = 1; i <= 40; i++)
        sb_addf(&in, "\\set v%d :v%d:v%d\n", i, i - 1, i - 1);
    sb_adds(&in, "SELECT ':v40';\n");
    script *s = script_read_memory("h.sql", in.buf, in.len, &opt);
    assert_int_equal(s->nstmts, 1);
    bool bounded = false;
    for (size_t i = 0; i < s->findings.count; i++)
        bounded |= strstr(s->findings.items[i].message, "would add more than") != NULL;
    assert_true(bounded);
    script_free(s);
    sb_free(&in);
    script_options_free(&opt);
}

/* ------------------------------------------------------------------ run-time mode */

/*
 * A script read with a runner: what run() and echo() saw, for a fake runner that
 * answers the n-th \gset with gset[n] and stops at the statement stop_at.
 */
typedef struct runner_case {
    const char *name;
    const char *input;
    const char *vars[4];                  /* NAME=VALUE */
    const char *gset[4][4];               /* per \gset: "col=value", or "col" for NULL */
    const char *stop_at;                  /* run() returns -1 for this text */
    const char *runs[MAX_EXPECT];         /* texts run() got, NULL-terminated */
    const char *echo;                     /* all echo() text; newline shown as '\n' */
    const char *rules[MAX_EXPECT];        /* expected finding rules (error+warning) */
} runner_case;

typedef struct fake_runner {
    const char *const (*gset)[4];
    const char *stop_at;
    size_t ngset;
    char *runs[16];
    size_t nruns;
    strbuf echo;
} fake_runner;

/* Records st (with its COPY data after " <<") and answers \gset. */
static int fake_run(void *ctx, const script *s, const statement *st, script_var **vars,
                    size_t *nvars)
{
    fake_runner *fr = ctx;
    /* the statement is already the script's last one */
    assert_true(s->nstmts > 0 && st == &s->stmts[s->nstmts - 1]);
    assert_false(st->conditional);
    assert_false(st->uses_runtime_vars);
    assert_true(fr->nruns < 16);
    fr->runs[fr->nruns++] =
        st->copy_data ? xasprintf("%s <<%.*s", st->text, (int)st->copy_data_len, st->copy_data)
                      : xstrdup(st->text);
    if (st->end == END_GSET && fr->gset && fr->ngset < 4) {
        const char *const *answer = fr->gset[fr->ngset++];
        size_t n = 0;
        while (n < 4 && answer[n])
            n++;
        *vars = calloc(n ? n : 1, sizeof(**vars));
        for (size_t i = 0; i < n; i++) {
            const char *eq = strchr(answer[i], '=');
            size_t len = eq ? (size_t)(eq - answer[i]) : strlen(answer[i]);
            (*vars)[i].name = xasprintf("%s%.*s", st->gset_prefix, (int)len, answer[i]);
            (*vars)[i].value = eq ? xstrdup(eq + 1) : NULL;
        }
        *nvars = n;
    }
    return fr->stop_at && strcmp(st->text, fr->stop_at) == 0 ? -1 : 0;
}

static void fake_echo(void *ctx, const char *text, bool newline)
{
    fake_runner *fr = ctx;
    sb_adds(&fr->echo, text);
    if (newline)
        sb_addc(&fr->echo, '\n');
}

static void fake_runner_free(fake_runner *fr)
{
    for (size_t i = 0; i < fr->nruns; i++)
        free(fr->runs[i]);
    sb_free(&fr->echo);
}

static const runner_case runner_cases[] = {
    {"gset true takes the if branch only",
     "SELECT 1 AS a \\gset\n\\if :a\nSELECT 'yes';\n\\else\nSELECT 'no';\n\\endif\nSELECT :a;",
     {0}, {{"a=1"}}, NULL, {"SELECT 1 AS a ", "SELECT 'yes';", "SELECT 1;"}, "", {0}},
    {"gset false takes the else branch only",
     "SELECT 0 AS a \\gset\n\\if :a\nSELECT 'yes';\n\\else\nSELECT 'no';\n\\endif",
     {0}, {{"a=off"}}, NULL, {"SELECT 0 AS a ", "SELECT 'no';"}, "", {0}},
    {"elif on a gset value",
     "SELECT 1 AS a, 2 AS b \\gset\n\\if :a\nSELECT 1;\n\\elif :b\nSELECT 2;\n"
     "\\else\nSELECT 3;\n\\endif",
     {0}, {{"a=false", "b=true"}}, NULL, {"SELECT 1 AS a, 2 AS b ", "SELECT 2;"}, "", {0}},
    {"gset prefix and quoting",
     "SELECT 5 AS x \\gset p_\nSELECT :p_x, :'p_x', :\"p_x\";", {0}, {{"x=5"}}, NULL,
     {"SELECT 5 AS x ", "SELECT 5, '5', \"5\";"}, "", {0}},
    {"gset NULL unsets, the reference stays as written",
     "\\set p_x old\nSELECT NULL AS x \\gset p_\nSELECT :p_x;", {0}, {{"x"}}, NULL,
     {"SELECT NULL AS x ", "SELECT :p_x;"}, "", {"unset-variable"}},
    {"gset value used by set and a later gset",
     "SELECT 2 AS n \\gset\n\\set m :n:n\nSELECT :m AS n \\gset\nSELECT :n;", {0},
     {{"n=2"}, {"n=22"}}, NULL, {"SELECT 2 AS n ", "SELECT 22 AS n ", "SELECT 22;"}, "", {0}},
    {"gset into a specially treated variable is ignored, as psql",
     "SELECT 'on' AS \"ON_ERROR_STOP\", 1 AS k \\gset\n\\echo :ON_ERROR_STOP :k", {0},
     {{"ON_ERROR_STOP=on", "k=1"}}, NULL, {"SELECT 'on' AS \"ON_ERROR_STOP\", 1 AS k "},
     "off 1\n", {"script-error"}},
    {"gset invalid name: an error, the rest unassigned",
     "SELECT 1, 2 AS k \\gset\n\\echo :k", {0}, {{"?column?=1", "k=2"}}, NULL,
     {"SELECT 1, 2 AS k "}, ":k\n", {"script-error"}},
    {"connection variables come from the caller",
     "SELECT :'DBNAME', :'USER';", {"DBNAME=app"}, {{0}}, NULL,
     {"SELECT 'app', :'USER';"}, "", {"unset-variable"}},
    {"g is not gset", "SELECT 1 AS a \\g\n\\echo :a", {0}, {{0}}, NULL, {"SELECT 1 AS a "},
     ":a\n", {0}},
    {"echo joins arguments and substitutes",
     "\\set who world\n\\echo hello   :who 'a  b' :'who'\n\\qecho x\n\\echo", {0}, {{0}}, NULL,
     {0}, "hello world a  b 'world'\nx\n\n", {0}},
    {"echo -n", "\\echo -n a b\n\\echo -n\n\\echo '-n' c\n\\qecho -n -n d\n\\echo", {0}, {{0}},
     NULL, {0}, "a b-n c\n-n d\n", {0}},
    {"echo in an inactive branch prints nothing",
     "\\if false\n\\echo no\n\\else\n\\echo yes\n\\endif", {0}, {{0}}, NULL, {0}, "yes\n", {0}},
    {"echo between the lines of a statement comes first",
     "SELECT 1\n\\echo hi\n;", {0}, {{0}}, NULL, {"SELECT 1\n;"}, "hi\n", {0}},
    {"copy data is attached when run", "COPY t (a) FROM stdin;\n1\n2\n\\.\nSELECT 1;", {0},
     {{0}}, NULL, {"COPY t (a) FROM stdin; <<1\n2\n", "SELECT 1;"}, "", {0}},
    {"stop: nothing more runs or echoes, no endif error",
     "\\if true\nSELECT 1;\nSELECT 'stop';\n\\echo after\nSELECT 2;\n\\endif\nSELECT 3", {0},
     {{0}}, "SELECT 'stop';", {"SELECT 1;", "SELECT 'stop';"}, "", {0}},
    {"stop at the last statement without semicolon", "\\if true\nSELECT 'stop'", {0}, {{0}},
     "SELECT 'stop'", {"SELECT 'stop'"}, "", {0}},
    {"stop at a gset statement",
     "SELECT 1 AS a \\gset\n\\echo :a", {0}, {{"a=1"}}, "SELECT 1 AS a ", {"SELECT 1 AS a "}, "",
     {0}},
};

static void run_runner_case(const runner_case *c)
{
    fake_runner fr = {.gset = c->gset, .stop_at = c->stop_at};
    script_runner runner = {.ctx = &fr, .run = fake_run, .echo = fake_echo};
    script_options opt = script_options_default();
    opt.forbid_includes = true;
    opt.runner = &runner;
    for (int i = 0; i < 4 && c->vars[i]; i++)
        assert_int_equal(script_set_var_assignment(&opt, c->vars[i]), 0);
    script *s = script_read_memory("run.sql", c->input, strlen(c->input), &opt);
    size_t n = 0;
    while (n < MAX_EXPECT && c->runs[n])
        n++;
    if (fr.nruns != n) {
        for (size_t i = 0; i < fr.nruns; i++)
            print_error("  ran [%zu] '%s'\n", i, fr.runs[i]);
    }
    assert_int_equal(fr.nruns, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(fr.runs[i], c->runs[i]);
    /* every statement run is in the script, and nothing else */
    assert_int_equal(s->nstmts, n);
    assert_string_equal(fr.echo.buf ? fr.echo.buf : "", c->echo);
    assert_int_equal(s->stopped, c->stop_at != NULL);
    assert_rules(s, c->rules);
    script_free(s);
    script_options_free(&opt);
    fake_runner_free(&fr);
}

static void test_runner_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(runner_cases) / sizeof(runner_cases[0]); i++) {
        print_message("runner case: %s\n", runner_cases[i].name);
        run_runner_case(&runner_cases[i]);
    }
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char *p = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(p);
}

/* run() stopping inside an included file stops the including files too, at once. */
static void test_runner_stop_in_include(void **state)
{
    (void)state;
    char dir[] = "/tmp/pgward-test-stop-XXXXXX"; /* mkdtemp template */
    assert_non_null(mkdtemp(dir));
    write_file(dir, "top.sql",
               "\\if true\nSELECT 'top1';\n\\ir mid.sql\nSELECT 'top2';\n\\endif\n"
               "\\echo top-end\nSELECT 'top3'");
    /* a statement pending around the \ir, and an argument psql would warn about */
    write_file(dir, "mid.sql", "SELECT 'mid1',\n\\ir inner.sql extra \\echo mid-after\n'mid2';\n");
    write_file(dir, "inner.sql",
               "\\if true\nSELECT 'inner1';\nSELECT 'stop';\nSELECT 'inner2';\n\\endif\n"
               "\\echo inner-end\n\\if true\n");
    fake_runner fr = {.stop_at = "SELECT 'stop';"};
    script_runner runner = {.ctx = &fr, .run = fake_run, .echo = fake_echo};
    script_options opt = script_options_default();
    opt.runner = &runner;
    char *top = xasprintf("%s/top.sql", dir);
    script *s = script_read_file(top, &opt);
    assert_true(s->stopped);
    assert_int_equal(fr.nruns, 3);
    assert_string_equal(fr.runs[0], "SELECT 'top1';");
    assert_string_equal(fr.runs[1], "SELECT 'inner1';");
    assert_string_equal(fr.runs[2], "SELECT 'stop';");
    assert_int_equal(s->nstmts, 3);
    assert_null(fr.echo.buf);
    assert_int_equal(s->nsources, 3);
    /* no "\if without \endif", nor any other finding, because of the stop */
    for (size_t i = 0; i < s->findings.count; i++)
        print_error("  unexpected finding %s: %s\n", rule_name(s->findings.items[i].rule),
                    s->findings.items[i].message);
    assert_int_equal(s->findings.count, 0);
    script_free(s);

    /* without the stop, everything runs (and the files are as intended) */
    fake_runner all = {0};
    runner.ctx = &all;
    s = script_read_file(top, &opt);
    assert_false(s->stopped);
    assert_int_equal(all.nruns, 7);
    assert_string_equal(all.runs[4], "SELECT 'mid1',\n'mid2';");
    assert_string_equal(all.runs[6], "SELECT 'top3'");
    assert_string_equal(all.echo.buf, "inner-end\nmid-after\ntop-end\n");
    /* the extra argument, and inner.sql's \if that has no \endif */
    assert_int_equal(s->findings.count, 2);
    script_free(s);
    fake_runner_free(&all);

    script_options_free(&opt);
    fake_runner_free(&fr);
    free(top);
    char *cmd = xasprintf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

/*
 * Read statically (no runner), a \gset/\if script is still modelled: placeholders,
 * conditional branches, run-time connection variables; with a runner, none of it.
 */

/* Scripts read from files in memory: includes resolve among them and nowhere else. */
#define MEM(lit) .text = (lit), .len = sizeof(lit) - 1
static void test_files_in_memory(void **state)
{
    (void)state;
    const script_file files[] = {
        {.path = "m/a.sql", MEM("SELECT 1;\n\\ir inc/b.sql\n\\i m/./inc//b.sql\n")},
        {.path = "m/inc/b.sql", MEM("SELECT 2;\n\\ir ../../top.sql\n")},
        {.path = "top.sql", MEM("SELECT 3;\n")},
        {.path = "loop.sql", MEM("\\i loop.sql\n")},
        {.path = "out.sql", MEM("\\i ../x.sql\n\\i /etc/hostname\n\\ir ../../x.sql\n")},
    };
    script_options opt = script_options_default();
    opt.files = files;
    opt.nfiles = ARRAY_SIZE(files);
    script *s = script_read_file("m/a.sql", &opt);
    assert_int_equal(s->findings.count, 0);
    assert_int_equal(s->nstmts, 5);
    assert_string_equal(s->stmts[2].text, "SELECT 3;");
    assert_string_equal(s->sources[1]->name, "m/inc/b.sql");
    script_free(s);
    /* a cycle is found by the files' paths */
    s = script_read_file("loop.sql", &opt);
    assert_int_equal(s->findings.count, 1);
    assert_non_null(strstr(s->findings.items[0].message, "include cycle"));
    script_free(s);
    /* above the top, absolute, or not in the set: include errors, the disk untouched */
    s = script_read_file("out.sql", &opt);
    assert_int_equal(s->findings.count, 3);
    for (size_t i = 0; i < 3; i++)
        assert_non_null(strstr(s->findings.items[i].message, "is not one of the files read"));
    script_free(s);
    s = script_read_file("missing.sql", &opt);
    assert_int_equal(s->findings.count, 1);
    script_free(s);
}

static void test_static_mode_unchanged(void **state)
{
    (void)state;
    const char *in = "SELECT 1 AS a \\gset\n\\echo :a\n\\if :a\nSELECT 'yes';\n\\else\n"
                     "SELECT 'no';\n\\endif\nSELECT :a, :'DBNAME';";
    script_options opt = script_options_default();
    script *s = script_read_memory("g.sql", in, strlen(in), &opt);
    assert_false(s->stopped);
    assert_int_equal(s->nstmts, 4);
    assert_false(s->stmts[0].conditional);
    assert_true(s->stmts[1].conditional);
    assert_true(s->stmts[2].conditional);
    assert_string_equal(s->stmts[1].text, "SELECT 'yes';");
    assert_string_equal(s->stmts[2].text, "SELECT 'no';");
    assert_false(s->stmts[3].conditional);
    assert_true(s->stmts[3].uses_runtime_vars);
    assert_string_equal(s->stmts[3].text, "SELECT NULL, '" RUNTIME_LITERAL_TEXT "';");
    /* :a as SQL text is unproven for a restricted role; in \echo and \if it is not SQL */
    assert_int_equal(s->notes.count, 1);
    assert_int_equal(s->notes.items[0].rule, RULE_UNPROVEN);
    size_t infos = 0;
    for (size_t i = 0; i < s->findings.count; i++) {
        assert_int_equal(s->findings.items[i].severity, SEV_INFO);
        infos++;
    }
    assert_int_equal(infos, 4); /* :a in \echo, \if, and the last statement; :'DBNAME' */
    script_free(s);

    fake_runner fr = {.gset = (const char *const[4][4]){{"a=t"}}};
    script_runner runner = {.ctx = &fr, .run = fake_run, .echo = fake_echo};
    opt.runner = &runner;
    script_set_var(&opt, "DBNAME", "app");
    s = script_read_memory("g.sql", in, strlen(in), &opt);
    assert_int_equal(s->nstmts, 3);
    assert_string_equal(s->stmts[1].text, "SELECT 'yes';");
    assert_string_equal(s->stmts[2].text, "SELECT t, 'app';");
    for (size_t i = 0; i < s->nstmts; i++) {
        assert_false(s->stmts[i].conditional);
        assert_false(s->stmts[i].uses_runtime_vars);
    }
    assert_string_equal(fr.echo.buf, "t\n");
    assert_int_equal(s->findings.count, 0);
    script_free(s);
    script_options_free(&opt);
    fake_runner_free(&fr);
}

static script *read_text(const char *in, size_t len)
{
    script_options opt = script_options_default();
    script *s = script_read_memory("n.sql", in, len, &opt);
    script_options_free(&opt);
    return s;
}

/* What the reader notes for the gate: bytes psql may read otherwise, run-time SQL
   text, psql variables that change splitting; nothing for a clean script. */
static void test_notes(void **state)
{
    (void)state;
    static const struct { const char *in; size_t len; const char *expect; } notes[] = {
        {"SELECT 1;\n", 10, NULL},
        {"SELECT 1;\r\nSELECT 2;\r\n", 22, NULL},
        {"SELECT 1;\x0b\n", 11, "control byte 0x0b"},
        {"SELECT '\xc3\x28';\n", 13, "not valid UTF-8"},
        {"SELECT '\xed\xa0\x80';\n", 14, "not valid UTF-8"}, /* a surrogate */
        {"SELECT '\xc3\xa9';\n", 13, NULL},                   /* é */
        {"\\set SINGLELINE on\n", 19, "SINGLELINE"},
        {"SELECT 1 AS a \\gset\nSELECT :a;\n", 31, "interpolated as SQL text"},
        {"SELECT 1 AS a \\gset\nSELECT :'a', :\"a\";\n", 37, NULL},
        {"\\! ls\n", 6, "psql runs \\!"},
    };
    for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++) {
        script *s = read_text(notes[i].in, notes[i].len);
        if (!notes[i].expect) {
            if (s->notes.count)
                fail_msg("case %zu: unexpected note '%s'", i, s->notes.items[0].message);
        } else {
            assert_true(s->notes.count >= 1);
            if (!strstr(s->notes.items[0].message, notes[i].expect))
                fail_msg("case %zu: note '%s' lacks '%s'", i, s->notes.items[0].message,
                         notes[i].expect);
            assert_int_equal(s->notes.items[0].rule, RULE_UNPROVEN);
        }
        script_free(s);
    }
}

/* A file with a NUL is not a script: one input-error at the first NUL (a UTF-16
   or UTF-32 byte-order mark: at the start, naming the encoding), nothing read. */
static void test_not_text(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len, off;
        int line, col;
        const char *expect;
    } bins[] = {
        {"SELECT 1;\n\0DELETE FROM t;\n", 26, 10, 2, 1, "a NUL byte"},
        {"SELECT '\xc3\xa9', 1\0;\n", 17, 14, 1, 14, "a NUL byte"},
        {"\xff\xfeS\0E\0L\0", 8, 0, 1, 1, "a UTF-16LE byte-order mark"},
        {"\xfe\xff\0S\0E", 6, 0, 1, 1, "a UTF-16BE byte-order mark"},
        {"\xff\xfe\0\0S\0\0\0", 8, 0, 1, 1, "a UTF-32LE byte-order mark"},
        {"\0\0\xfe\xff\0\0\0S", 8, 0, 1, 1, "a UTF-32BE byte-order mark"},
        {"\xff\xfe\x2d\x4e\x87\x65", 6, 0, 1, 1, "a UTF-16LE byte-order mark"}, /* no NUL */
    };
    for (size_t i = 0; i < sizeof(bins) / sizeof(bins[0]); i++) {
        script *s = read_text(bins[i].in, bins[i].len);
        assert_int_equal(s->nstmts, 0);
        assert_int_equal(s->findings.count, 1);
        const finding *f = &s->findings.items[0];
        assert_int_equal(f->rule, RULE_INPUT_ERROR);
        assert_int_equal(f->offset, bins[i].off);
        assert_int_equal(f->line, bins[i].line);
        assert_int_equal(f->column, bins[i].col);
        if (!strstr(f->message, bins[i].expect))
            fail_msg("case %zu: '%s' lacks '%s'", i, f->message, bins[i].expect);
        script_free(s);
    }
}

/* \gset names its variables as PostgreSQL names the columns (FigureColname); where
   pgward cannot, every variable may be set. A run-time variable reads as a
   placeholder: NULL, a literal the analysis treats as unknown, "?column?". */
static void test_gset_names(void **state)
{
    (void)state;
    static const struct { const char *in; const char *stmt; } names[] = {
        {"SELECT lower('x') \\gset\nSELECT :lower;", "SELECT NULL;"},
        {"SELECT 'x'::text \\gset\nSELECT :text;", "SELECT NULL;"},
        {"SELECT 1::int \\gset\nSELECT :int4;", "SELECT NULL;"},
        {"SELECT CASE WHEN true THEN 1 END \\gset\nSELECT :case;", "SELECT NULL;"},
        {"SELECT 1 + 1 \\gset\nSELECT :b;", "SELECT :b;"}, /* sets "?column?" only */
        {"SELECT current_user \\gset\nSELECT :current_user;", "SELECT NULL;"},
        {"SELECT 1 AS a \\gset\nSELECT :b;", "SELECT :b;"},          /* b is not set */
        {"SELECT * FROM t \\gset\nSELECT :b;", "SELECT NULL;"},       /* any may be */
        {"SELECT 1 \\; SELECT 2 AS a \\gset\nSELECT :b;", "SELECT NULL;"},
        {"SELECT 1 AS a \\gset p_\nSELECT :a, :p_a;", "SELECT :a, NULL;"},
        {"SELECT 1 AS a \\gset\nSELECT :'a';", "SELECT '" RUNTIME_LITERAL_TEXT "';"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        script *s = read_text(names[i].in, strlen(names[i].in));
        assert_true(s->nstmts >= 2);
        if (strcmp(s->stmts[s->nstmts - 1].text, names[i].stmt) != 0)
            fail_msg("case %zu: got '%s', expected '%s'", i, s->stmts[s->nstmts - 1].text,
                     names[i].stmt);
        script_free(s);
    }
}

/* In a branch a run-time value decides, \q does not end the reading and \set
   makes its variable a run-time one. */
/* Unset variables: one finding per variable per file, whatever the number of
   uses, and a file with thousands is bounded (one finding says the rest are not
   listed). Included files report their own. */
static void test_unset_variables_once(void **state)
{
    (void)state;
    script_options opt = script_options_default();
    const char *in = "SELECT :a FROM t;\nSELECT :a, :'a', :\"a\" FROM t;\nSELECT :b;\n";
    script *s = script_read_memory("u.sql", in, strlen(in), &opt);
    assert_int_equal(s->findings.count, 2);
    assert_string_equal(rule_name(s->findings.items[0].rule), "unset-variable");
    assert_non_null(strstr(s->findings.items[0].message, "variable 'a' is not set"));
    assert_int_equal(s->findings.items[0].offset, 7);
    assert_non_null(strstr(s->findings.items[1].message, "variable 'b' is not set"));
    script_free(s);

    strbuf big = {0};
    sb_adds(&big, "SELECT 1");
    for (int i = 0; i < 1100; i++)
        sb_addf(&big, ", :v%d", i);
    sb_adds(&big, ";\n");
    s = script_read_memory("big.sql", big.buf, big.len, &opt);
    assert_int_equal(s->findings.count, 1001);
    assert_non_null(strstr(s->findings.items[1000].message, "the rest are not listed"));
    script_free(s);
    sb_free(&big);
    script_options_free(&opt);
}

static void test_runtime_branch(void **state)
{
    (void)state;
    const char *in = "SELECT true AS stop \\gset\n\\if :stop\n\\set v 'DELETE'\n\\q\n"
                     "\\endif\nSELECT :v;\nSELECT 2;\n";
    script *s = read_text(in, strlen(in));
    assert_int_equal(s->nstmts, 3);
    assert_string_equal(s->stmts[1].text, "SELECT NULL;");
    assert_string_equal(s->stmts[2].text, "SELECT 2;");
    script_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_notes),
        cmocka_unit_test(test_not_text),
        cmocka_unit_test(test_gset_names),
        cmocka_unit_test(test_runtime_branch),
        cmocka_unit_test(test_unset_variables_once),
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_origin),
        cmocka_unit_test(test_error_position_after_substitution),
        cmocka_unit_test(test_copy_data),
        cmocka_unit_test(test_include_depth_limit),
        cmocka_unit_test(test_unresolvable_root_refuses_includes),
        cmocka_unit_test(test_finding_inside_source),
        cmocka_unit_test(test_gset_runtime),
        cmocka_unit_test(test_huge_expansion_bounded),
        cmocka_unit_test(test_runner_cases),
        cmocka_unit_test(test_runner_stop_in_include),
        cmocka_unit_test(test_static_mode_unchanged),
        cmocka_unit_test(test_files_in_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
