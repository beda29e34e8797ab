/*
 * test_session.c: the one model of the session a script runs in (analyze/session.h)
 * and the facts the analysis reads off statements (analyze/facts.h): transactions,
 * savepoints and AND CHAIN, settings with SET / SET LOCAL / ROLLBACK, the
 * transaction pgward apply wraps a file in, created objects, and what a statement
 * reads, writes and calls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"
#include "test_helpers.h"

/* Reads sql and advances a session over every statement; the caller frees both. */
static session *run(const char *sql, script **out)
{
    script_options opt = script_options_default();
    script *s = script_read_memory("t.sql", sql, strlen(sql), &opt);
    script_options_free(&opt);
    session *sess = session_new();
    for (size_t i = 0; i < s->nstmts; i++) {
        stmt_facts *f = analyze_begin(sess, &s->stmts[i]);
        for (size_t u = 0; u < f->nunits; u++) {
            analyze_unit(f, u);
            session_advance(sess, f, u);
        }
        facts_free(f);
    }
    *out = s;
    return sess;
}

/* search_path in force after sql, joined with ",", or "?" when unknown. */
static char *path_after(const char *sql)
{
    script *s;
    session *sess = run(sql, &s);
    size_t n;
    const char *const *p = session_search_path(sess, &n);
    strbuf sb = {0};
    sb_adds(&sb, p ? "" : "?");
    for (size_t i = 0; p && i < n; i++)
        sb_addf(&sb, "%s%s", i ? "," : "", p[i]);
    session_free(sess);
    script_free(s);
    return sb_detach(&sb, NULL);
}

typedef struct path_case {
    const char *sql;
    const char *path;
} path_case;

static const path_case path_cases[] = {
    {"", "$user,public"},
    {"SET search_path = eng;", "eng"},
    {"SET search_path TO eng, vh;", "eng,vh"},
    {"SET search_path = 'eng, vh';", "eng, vh"}, /* one schema named with a comma */
    {"SET search_path = eng; RESET search_path;", "$user,public"},
    {"SET search_path = eng; SET search_path TO DEFAULT;", "$user,public"},
    {"SET search_path = eng; RESET ALL;", "$user,public"},
    /* a file pgward apply wraps in a transaction: SET LOCAL lasts to its end */
    {"SET LOCAL search_path = eng;", "eng"},
    /* a file marked no-transaction: each statement on its own, SET LOCAL does nothing */
    {"-- pgward:no-transaction\nSET LOCAL search_path = eng;", "$user,public"},
    /* blocks */
    {"BEGIN; SET search_path = eng; COMMIT;", "eng"},
    {"SET search_path = vh; BEGIN; SET search_path = eng; ROLLBACK;", "vh"},
    {"SET search_path = vh; BEGIN; SET LOCAL search_path = eng; COMMIT;", "vh"},
    {"BEGIN; SET LOCAL search_path = eng;", "eng"},
    {"BEGIN; SET LOCAL search_path = eng; SET search_path = vh; COMMIT;", "vh"},
    {"BEGIN; SET search_path = vh; SET LOCAL search_path = eng; COMMIT;", "vh"},
    /* AND CHAIN: the transaction ends (SET LOCAL with it) and a new one begins */
    {"BEGIN; SET LOCAL search_path = eng; COMMIT AND CHAIN;", "$user,public"},
    {"BEGIN; SET search_path = eng; COMMIT AND CHAIN; SET LOCAL search_path = vh; ROLLBACK;",
     "eng"},
    {"BEGIN; SET search_path = eng; ROLLBACK AND CHAIN;", "$user,public"},
    /* savepoints */
    {"BEGIN; SET search_path = vh; SAVEPOINT s; SET search_path = eng; ROLLBACK TO SAVEPOINT s;",
     "vh"},
    {"BEGIN; SAVEPOINT s; SET search_path = eng; RELEASE SAVEPOINT s; COMMIT;", "eng"},
    {"BEGIN; SAVEPOINT a; SET search_path = eng; SAVEPOINT b; SET search_path = vh; "
     "ROLLBACK TO a;",
     "$user,public"},
    {"BEGIN; SAVEPOINT s; SET search_path = eng; RELEASE s; ROLLBACK;", "$user,public"},
    /* outside a block COMMIT ends the transaction apply wraps the file in */
    {"SET LOCAL search_path = eng; COMMIT;", "$user,public"},
    {"SET search_path = eng; ROLLBACK;", "$user,public"},
    /* set_config that is all its statement does is replayed; one that may not run
       (a WHERE, a FROM, beside other columns) is not: unknown afterwards */
    {"SELECT set_config('search_path', 'eng', false);", "eng"},
    {"SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', false);",
     "pg_catalog,pg_temp"},
    {"BEGIN; SELECT set_config('search_path', 'eng', true); COMMIT;", "$user,public"},
    {"SELECT set_config('search_path', 'eng', false) WHERE false;", "?"},
    {"SELECT set_config('search_path', 'eng', false) FROM t;", "?"},
    {"SELECT 1, set_config('search_path', 'eng', false);", "?"},
    {"SELECT CASE WHEN x THEN set_config('search_path', 'eng', false) END;", "?"},
    {"EXPLAIN SELECT set_config('search_path', 'eng', false);", "$user,public"},
    /* a DO block that changes search_path leaves it unknown (its branches are not
       followed); a function's body runs later */
    {"DO $$BEGIN SET search_path = eng; END$$;", "?"},
    {"DO $$BEGIN IF false THEN PERFORM set_config('search_path', 'eng', false); END IF; "
     "END$$;",
     "?"},
    {"BEGIN; DO $$BEGIN SET LOCAL search_path = eng; END$$; COMMIT;", "$user,public"},
    {"CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$BEGIN SET search_path = eng; "
     "END$$;",
     "$user,public"},
    {"SELECT set_config(current_user, 'eng', false);", "?"},
    {"DISCARD ALL;", "$user,public"},
    /* a function's SET clause and ALTER ROLE ... SET do not change the session */
    {"CREATE FUNCTION f() RETURNS int SET search_path = vh LANGUAGE sql AS 'SELECT 1';",
     "$user,public"},
    {"ALTER ROLE r SET search_path = vh;", "$user,public"},
    /* \; sends several statements: each advances the session */
    {"BEGIN \\; SET LOCAL search_path = eng \\; COMMIT;", "$user,public"},
};

static void test_search_path(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(path_cases); i++) {
        char *got = path_after(path_cases[i].sql);
        if (strcmp(got, path_cases[i].path) != 0)
            fail_msg("%s: search_path %s, expected %s", path_cases[i].sql, got,
                     path_cases[i].path);
        free(got);
    }
}

static void test_transactions(void **state)
{
    (void)state;
    script *s;
    session *sess = run("SELECT 1;", &s);
    assert_false(session_in_block(sess));
    assert_true(session_in_transaction(sess));
    assert_true(session_txn_assumed(sess));
    assert_false(session_controls_transactions(sess));
    session_free(sess);
    script_free(s);

    sess = run("SELECT 1;\nBEGIN;\nSELECT 2;\nCOMMIT AND CHAIN;\n", &s);
    assert_true(session_in_block(sess)); /* the chain goes on */
    assert_int_equal(session_block_start(sess).line, 2);
    assert_true(session_controls_transactions(sess));
    assert_false(session_txn_assumed(sess));
    session_free(sess);
    script_free(s);

    sess = run("BEGIN; PREPARE TRANSACTION 'x';", &s);
    assert_false(session_in_block(sess));
    assert_false(session_in_transaction(sess)); /* after BEGIN, psql's reading */
    session_free(sess);
    script_free(s);

    sess = run("-- pgward:no-transaction\nSELECT 1;", &s);
    assert_false(session_in_transaction(sess));
    session_free(sess);
    script_free(s);
}

static void test_generation(void **state)
{
    (void)state;
    /* the transaction changes: at BEGIN, COMMIT, and between statements outside one */
    script *s1, *s2;
    session *a = run("BEGIN; SELECT 1;", &s1);
    session *b = run("BEGIN; SELECT 1; SELECT 2;", &s2);
    assert_int_equal(session_txn_generation(a), session_txn_generation(b));
    session_free(a);
    session_free(b);
    script_free(s1);
    script_free(s2);
    a = run("-- pgward:no-transaction\nSELECT 1;", &s1);
    b = run("-- pgward:no-transaction\nSELECT 1; SELECT 2;", &s2);
    assert_true(session_txn_generation(a) != session_txn_generation(b));
    session_free(a);
    session_free(b);
    script_free(s1);
    script_free(s2);
}

static void test_settings(void **state)
{
    (void)state;
    script *s;
    session *sess = run("SET lock_timeout = '5s'; SET statement_timeout = 0;", &s);
    assert_true(session_setting_nonzero(sess, "lock_timeout"));
    assert_false(session_setting_nonzero(sess, "statement_timeout"));
    assert_false(session_setting_nonzero(sess, "idle_in_transaction_session_timeout"));
    setting_value v = session_setting(sess, "lock_timeout");
    assert_int_equal(v.nelts, 1);
    assert_string_equal(v.elts[0], "5s");
    session_free(sess);
    script_free(s);

    sess = run("BEGIN; SET LOCAL lock_timeout = '5s'; COMMIT;", &s);
    assert_false(session_setting_nonzero(sess, "lock_timeout"));
    session_free(sess);
    script_free(s);

    /* set_config: the value it was given, though not replayed exactly where it may
       not run (a WHERE); replayed where it is all the statement does */
    sess = run("SELECT set_config('lock_timeout', '5s', false) WHERE true;", &s);
    assert_true(session_setting_nonzero(sess, "lock_timeout"));
    assert_false(session_setting(sess, "lock_timeout").known);
    session_free(sess);
    script_free(s);
    sess = run("SELECT set_config('lock_timeout', '5s', false);", &s);
    assert_true(session_setting_nonzero(sess, "lock_timeout"));
    assert_true(session_setting(sess, "lock_timeout").known);
    session_free(sess);
    script_free(s);

    sess = run("SET Lock_Timeout = 100; DISCARD ALL;", &s);
    assert_false(session_setting_nonzero(sess, "lock_timeout"));
    session_free(sess);
    script_free(s);
}

static void test_created(void **state)
{
    (void)state;
    script *s;
    session *sess = run("CREATE SCHEMA app CREATE TABLE t (a int);\n"
                        "CREATE TABLE u (a int);\n"
                        "ALTER TABLE u RENAME TO v;\n"
                        "CREATE SCHEMA IF NOT EXISTS other;\n"
                        "CREATE TYPE e AS ENUM ('a');\n"
                        "CREATE SUBSCRIPTION sub CONNECTION 'x' PUBLICATION p "
                        "WITH (slot_name = NONE, connect = false);\n",
                        &s);
    unsigned tables = 1u << OBJ_TABLE;
    assert_true(session_created(sess, tables, (qname){"app", "t"}));
    assert_true(session_created(sess, tables, (qname){NULL, "t"}));
    assert_false(session_created(sess, tables, (qname){"other", "t"}));
    assert_true(session_created(sess, tables, (qname){NULL, "u"}));
    assert_true(session_created(sess, tables, (qname){NULL, "v"})); /* renamed */
    assert_false(session_created(sess, tables, (qname){NULL, "e"}));
    assert_true(session_created(sess, 1u << OBJ_ENUM, (qname){NULL, "e"}));
    assert_true(session_schema_created(sess, "app"));
    assert_false(session_schema_created(sess, "other")); /* IF NOT EXISTS: maybe not ours */
    assert_true(session_subscription_slotless(sess, "sub"));
    session_free(sess);
    script_free(s);
}

/* The facts of the first statement of sql, analysed from a fresh session. */
static stmt_facts *facts_of(const char *sql, script **s, session **sess)
{
    script_options opt = script_options_default();
    *s = script_read_memory("t.sql", sql, strlen(sql), &opt);
    script_options_free(&opt);
    *sess = session_new();
    stmt_facts *f = analyze_begin(*sess, &(*s)->stmts[0]);
    for (size_t u = 0; u < f->nunits; u++)
        analyze_unit(f, u);
    return f;
}

static const rel_ref *find_rel(const stmt_facts *f, const char *schema, const char *name)
{
    for (size_t i = 0; i < f->nrels; i++)
        if (strcmp(f->rels[i].schema, schema) == 0 &&
            (name ? f->rels[i].name && strcmp(f->rels[i].name, name) == 0 : !f->rels[i].name))
            return &f->rels[i];
    return NULL;
}

/* A routine's signature as the facts record it (obj_ref.args), malloc'd. */
static char *args_of(const char *sql)
{
    script *s;
    session *sess;
    stmt_facts *f = facts_of(sql, &s, &sess);
    char *args = f->nobjects && f->objects[0].args ? xstrdup(f->objects[0].args) : NULL;
    facts_free(f);
    session_free(sess);
    script_free(s);
    return args;
}

static void test_routine_args(void **state)
{
    (void)state;
    static const struct {
        const char *sql, *args;
    } cases[] = {
        {"CREATE FUNCTION s.f(a int = 1, VARIADIC b text[], OUT c int4) LANGUAGE sql "
         "AS 'SELECT 1'",
         "(a int4,variadic b text[],out c int4)"},
        {"CREATE FUNCTION f(integer, x s.t) RETURNS int LANGUAGE sql AS 'SELECT 1'",
         "(int4,x s.t)"},
        {"CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1'", "()"},
        {"CREATE AGGREGATE a(BASETYPE = int, SFUNC = f, STYPE = int)", "(int4)"},
        {"CREATE AGGREGATE a(int4) (SFUNC = f, STYPE = int)", "(int4)"},
        {"CREATE AGGREGATE a(text ORDER BY int) (SFUNC = f, STYPE = int)", "(text,int4)"},
        {"CREATE COLLATION c (locale = 'C')", NULL},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *args = args_of(cases[i].sql);
        if (cases[i].args)
            assert_string_equal(args, cases[i].args);
        else
            assert_null(args);
        free(args);
    }
}

static void test_created_plainly(void **state)
{
    (void)state;
    script *s;
    session *sess = run("CREATE FUNCTION s.f(a int) RETURNS int LANGUAGE sql AS 'SELECT a';\n"
                        "CREATE FUNCTION s.gone() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
                        "DROP FUNCTION s.gone();\n"
                        "CREATE FUNCTION s.moved() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
                        "ALTER FUNCTION s.moved() RENAME TO elsewhere;\n"
                        "CREATE OR REPLACE FUNCTION s.r() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
                        "CREATE TABLE IF NOT EXISTS s.maybe (a int);\n"
                        "CREATE TEMP TABLE tmp (a int);\n"
                        "CREATE TABLE s.t (a int);\n"
                        "ALTER TABLE s.t RENAME COLUMN a TO b;\n"
                        "CREATE VIEW v AS SELECT 1;\n",
                        &s);
    unsigned routines = 1u << OBJ_FUNCTION | 1u << OBJ_PROCEDURE | 1u << OBJ_AGGREGATE;
    unsigned relations = 1u << OBJ_TABLE | 1u << OBJ_VIEW;
    assert_true(session_created_plainly(sess, routines, (qname){"s", "f"}, "(a int4)"));
    assert_false(session_created_plainly(sess, routines, (qname){"s", "f"}, "(b int4)"));
    assert_false(session_created_plainly(sess, routines, (qname){"s", "f"}, "(a int8)"));
    assert_false(session_created_plainly(sess, routines, (qname){NULL, "f"}, "(a int4)"));
    assert_false(session_created_plainly(sess, routines, (qname){"t", "f"}, "(a int4)"));
    assert_false(session_created_plainly(sess, routines, (qname){"s", "gone"}, "()"));
    assert_false(session_created_plainly(sess, routines, (qname){"s", "moved"}, "()"));
    assert_false(session_created_plainly(sess, routines, (qname){"s", "r"}, "()"));
    assert_false(session_created_plainly(sess, relations, (qname){"s", "maybe"}, NULL));
    assert_false(session_created_plainly(sess, relations, (qname){NULL, "tmp"}, NULL));
    assert_true(session_created_plainly(sess, relations, (qname){"s", "t"}, NULL));
    assert_false(session_created_plainly(sess, 1u << OBJ_INDEX, (qname){"s", "t"}, NULL));
    assert_true(session_created_plainly(sess, relations, (qname){NULL, "v"}, NULL));
    session_free(sess);
    script_free(s);

    /* unqualified: only under the same search_path, with no new schema before it */
    sess = run("CREATE VIEW v AS SELECT 1;\n"
               "SET search_path = app, public;\n", &s);
    assert_false(session_created_plainly(sess, relations, (qname){NULL, "v"}, NULL));
    session_free(sess);
    script_free(s);
    sess = run("SET search_path = app, public;\n"
               "CREATE VIEW v AS SELECT 1;\n"
               "CREATE SCHEMA app;\n", &s);
    assert_false(session_created_plainly(sess, relations, (qname){NULL, "v"}, NULL));
    session_free(sess);
    script_free(s);
    /* rolled back: it does not exist; committed, or rolled back to an earlier
       savepoint than the one after it: it does */
    sess = run("BEGIN;\n"
               "CREATE VIEW s.undone AS SELECT 1;\n"
               "ROLLBACK;\n"
               "BEGIN;\n"
               "CREATE VIEW s.kept AS SELECT 1;\n"
               "SAVEPOINT a;\n"
               "CREATE VIEW s.to_savepoint AS SELECT 1;\n"
               "ROLLBACK TO a;\n"
               "COMMIT;\n", &s);
    assert_false(session_created_plainly(sess, relations, (qname){"s", "undone"}, NULL));
    assert_true(session_created_plainly(sess, relations, (qname){"s", "kept"}, NULL));
    assert_false(session_created_plainly(sess, relations, (qname){"s", "to_savepoint"}, NULL));
    session_free(sess);
    script_free(s);
    /* the transaction pgward apply wraps a file in, ended by ROLLBACK */
    sess = run("CREATE VIEW s.undone AS SELECT 1;\n"
               "ROLLBACK;\n", &s);
    assert_false(session_created_plainly(sess, relations, (qname){"s", "undone"}, NULL));
    session_free(sess);
    script_free(s);
    /* a routine's parameter types are names too: the same search_path */
    sess = run("CREATE FUNCTION s.k(x mytype) RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
               "SET search_path = app, public;\n", &s);
    assert_false(session_created_plainly(sess, routines, (qname){"s", "k"}, "(x mytype)"));
    session_free(sess);
    script_free(s);
}

static void test_facts(void **state)
{
    (void)state;
    script *s;
    session *sess;
    stmt_facts *f = facts_of("WITH x AS (DELETE FROM eng.a RETURNING id) "
                             "UPDATE vh.b SET n = x.id FROM x, c WHERE c.k = nextval('s');",
                             &s, &sess);
    assert_true(find_rel(f, "eng", "a")->access & ACC_WRITE);
    assert_true(find_rel(f, "vh", "b")->access & ACC_WRITE);
    assert_true(find_rel(f, "public", "c")->access & ACC_READ);
    assert_true(find_rel(f, "public", "c")->ambiguous); /* "$user", public */
    assert_true(find_rel(f, "public", "s")->access & ACC_WRITE);
    assert_null(find_rel(f, "public", "x")); /* the CTE */
    assert_int_equal(f->ndml, 2);
    assert_true(f->classes & CLASS_DELETE);
    assert_true(f->classes & CLASS_UPDATE);
    facts_free(f);
    session_free(sess);
    script_free(s);

    /* a body is parsed once, on first use, and what it does is the statement's */
    f = facts_of("DO $$ BEGIN DELETE FROM eng.projects WHERE id = 1; END $$;", &s, &sess);
    assert_int_equal(f->nbodies, 1);
    assert_false(f->bodies[0].parsed);
    assert_null(find_rel(f, "eng", "projects"));
    const body_info *b = facts_body(f, 0);
    assert_true(b->parsed);
    const rel_ref *r = find_rel(f, "eng", "projects");
    assert_non_null(r);
    assert_int_equal(r->body, 0);
    assert_true(r->access & ACC_WRITE);
    size_t nrels = f->nrels;
    facts_all_bodies(f); /* no second parse: nothing new */
    assert_int_equal(f->nrels, nrels);
    facts_free(f);
    session_free(sess);
    script_free(s);

    /* settings in a function's clause and in its body */
    f = facts_of("CREATE FUNCTION f() RETURNS void SET search_path = app, pg_temp "
                 "LANGUAGE sql AS $$ SELECT set_config('search_path', 'x', true) $$;",
                 &s, &sess);
    facts_all_bodies(f);
    assert_int_equal(f->nsettings, 2);
    assert_int_equal(f->settings[0].scope, SCOPE_FUNCTION);
    assert_int_equal(f->settings[0].nvalues, 2);
    assert_string_equal(f->settings[0].values[1], "pg_temp");
    assert_int_equal(f->settings[1].scope, SCOPE_BODY);
    assert_true(f->settings[1].via_function);
    assert_true(f->settings[1].local);
    facts_free(f);
    session_free(sess);
    script_free(s);
}

/* A pinned search_path is where the session starts and what RESET returns to;
   pg_catalog is searched first unless another schema is listed before it. */
static void test_pinned_path(void **state)
{
    (void)state;
    script_options opt = script_options_default();
    const char *sql = "SELECT 1;\nSET search_path = eng;\nRESET search_path;\n"
                      "SET search_path = eng, pg_catalog;\nSELECT 1 FROM pg_class;\n";
    script *s = script_read_memory("t.sql", sql, strlen(sql), &opt);
    script_options_free(&opt);
    session *sess = session_new();
    session_pin_search_path(sess, "pg_catalog, \"Pg_Temp\"");
    size_t n;
    const char *const *p = session_search_path(sess, &n);
    assert_int_equal(n, 2);
    assert_string_equal(p[0], "pg_catalog");
    assert_string_equal(p[1], "Pg_Temp"); /* quoted: kept as written */
    const bool first_expected[] = {true, true, true, false, false};
    for (size_t i = 0; i < s->nstmts; i++) {
        stmt_facts *f = analyze_begin(sess, &s->stmts[i]);
        for (size_t u = 0; u < f->nunits; u++) {
            analyze_unit(f, u);
            if (i == 4) {
                /* pg_catalog listed after eng: pg_class is eng's, if eng has one */
                assert_non_null(find_rel(f, "eng", "pg_class"));
            }
            session_advance(sess, f, u);
        }
        facts_free(f);
        assert_int_equal(session_catalog_searched_first(sess), first_expected[i]);
        if (i == 2) {
            p = session_search_path(sess, &n);
            assert_int_equal(n, 2);
            assert_string_equal(p[0], "pg_catalog");
        }
    }
    session_free(sess);
    script_free(s);

    /* not pinned: an unqualified pg_* relation is pg_catalog's */
    stmt_facts *f = facts_of("UPDATE pg_settings SET setting = 'x' WHERE name = 'y';", &s, &sess);
    const rel_ref *r = find_rel(f, "pg_catalog", "pg_settings");
    assert_non_null(r);
    assert_true(r->access & ACC_WRITE);
    facts_free(f);
    session_free(sess);
    script_free(s);
}

/* Operators and types without a schema are recorded for the search_path check;
   EXECUTE's arguments and plain EXPLAIN's calls are facts like any others. */
static void test_path_refs_and_calls(void **state)
{
    (void)state;
    script *s;
    session *sess;
    stmt_facts *f = facts_of("SELECT a + 1, b::text, c::pg_catalog.int4, d OPERATOR(pg_catalog.+) 2 "
                             "FROM t;", &s, &sess);
    assert_int_equal(f->npath_refs, 2);
    assert_string_equal(f->path_refs[0].what, "operator");
    assert_string_equal(f->path_refs[0].name, "+");
    assert_string_equal(f->path_refs[1].what, "type");
    assert_string_equal(f->path_refs[1].name, "text");
    facts_free(f);
    session_free(sess);
    script_free(s);

    f = facts_of("EXECUTE p(lo_create(0));", &s, &sess);
    assert_int_equal(f->ncalls, 1);
    assert_string_equal(f->calls[0].name, "lo_create");
    facts_free(f);
    session_free(sess);
    script_free(s);

    f = facts_of("EXPLAIN SELECT pg_read_file('/etc/passwd');", &s, &sess);
    assert_int_equal(f->ncalls, 1);
    facts_free(f);
    session_free(sess);
    script_free(s);
}

/* The search_path call name of f is looked up with, joined with ",": "?" unknown. */
static char *call_path(const stmt_facts *f, const session *sess, const char *name)
{
    for (size_t i = 0; i < f->ncalls; i++) {
        if (strcmp(f->calls[i].name, name) != 0)
            continue;
        size_t n;
        const char *why;
        const char *const *p = session_lookup_path(sess, f, f->calls[i].path, &n, &why);
        strbuf sb = {0};
        sb_adds(&sb, p ? "" : "?");
        for (size_t k = 0; p && k < n; k++)
            sb_addf(&sb, "%s%s", k ? "," : "", p[k]);
        return sb_detach(&sb, NULL);
    }
    return xstrdup("(no call)");
}

/* Each name of a body is looked up with the search_path in force where it is: the
   function's SET clause or its caller's, a DO block's session, each SET after. */
static void test_body_paths(void **state)
{
    (void)state;
    static const struct {
        const char *sql, *name, *path;
    } cases[] = {
        {"SELECT a();", "a", "$user,public"},
        {"CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT a()';", "a", "?"},
        {"CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path = s, pg_temp "
         "AS 'SELECT a()';",
         "a", "s,pg_temp"},
        {"CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path FROM CURRENT "
         "AS 'SELECT a()';",
         "a", "$user,public"},
        {"CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path = s BEGIN ATOMIC "
         "SELECT a(); END;",
         "a", "s"},
        {"DO $$BEGIN PERFORM a(); SET search_path = s; PERFORM b(); RESET search_path; "
         "PERFORM c(); PERFORM set_config('search_path', 't, pg_temp', true); PERFORM d(); "
         "END$$;",
         "a", "$user,public"},
        {"DO $$BEGIN PERFORM a(); SET search_path = s; PERFORM b(); END$$;", "b", "s"},
        {"DO $$BEGIN SET search_path = s; RESET search_path; PERFORM c(); END$$;", "c", "?"},
        {"DO $$BEGIN PERFORM set_config('search_path', 't, pg_temp', true); PERFORM d(); "
         "END$$;",
         "d", "t,pg_temp"},
        /* a DO block inside a body starts where it is; a function inside one does not */
        {"DO $$BEGIN SET search_path = s; DO $i$BEGIN PERFORM e(); END$i$; END$$;", "e", "s"},
        {"DO $$BEGIN SET search_path = s; CREATE FUNCTION g() RETURNS int LANGUAGE sql "
         "AS 'SELECT e()'; END$$;",
         "e", "?"},
        /* EXECUTE of a constant string is read */
        {"DO $$BEGIN EXECUTE 'SELECT h()'; END$$;", "h", "$user,public"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        script *s;
        session *sess;
        stmt_facts *f = facts_of(cases[i].sql, &s, &sess);
        facts_all_bodies(f);
        char *got = call_path(f, sess, cases[i].name);
        if (strcmp(got, cases[i].path) != 0)
            fail_msg("%s: %s() looked up with %s, expected %s", cases[i].sql, cases[i].name,
                     got, cases[i].path);
        free(got);
        facts_free(f);
        session_free(sess);
        script_free(s);
    }
}

/* Which search_paths leave which kind of name to trusted schemas only. */
static void test_path_trust(void **state)
{
    (void)state;
    script *s;
    session *sess = run("CREATE SCHEMA mine;", &s);
    static const struct {
        const char *path; /* comma-separated */
        lookup_kind kind;
        bool extension;
        bool trusted;
    } cases[] = {
        {"pg_catalog,pg_temp", LOOKUP_RELATION, true, true},
        {"pg_catalog,pg_temp", LOOKUP_FUNCTION, true, true},
        {"pg_temp", LOOKUP_RELATION, true, true},
        {"pg_catalog", LOOKUP_FUNCTION, true, true},   /* pg_temp: never for functions */
        {"pg_catalog", LOOKUP_RELATION, true, false},  /* pg_temp searched first */
        {"pg_catalog", LOOKUP_TYPE, true, false},
        {"pg_temp,pg_catalog", LOOKUP_RELATION, true, false},
        {"pg_temp,pg_catalog", LOOKUP_OPERATOR, true, true},
        {"mine,pg_temp", LOOKUP_RELATION, true, true}, /* created by the script */
        {"app,pg_temp", LOOKUP_RELATION, true, false}, /* not created: in an extension */
        {"app,pg_temp", LOOKUP_RELATION, false, true}, /* ... elsewhere trusted */
        {"public,pg_temp", LOOKUP_FUNCTION, false, false},
        {"$user,public", LOOKUP_FUNCTION, false, false},
        {"", LOOKUP_FUNCTION, true, true},             /* '' names no schema */
        {"", LOOKUP_RELATION, true, false},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const char *elts[4];
        size_t n = 0;
        char *copy = xstrdup(cases[i].path);
        for (char *p = copy, *tok; (tok = strsep(&p, ",")) && n < 4;)
            elts[n++] = tok;
        char *why = session_path_untrusted(sess, elts, n, cases[i].kind, cases[i].extension,
                                           NULL);
        if ((why == NULL) != cases[i].trusted)
            fail_msg("%s (kind %d, extension %d): %s", cases[i].path, (int)cases[i].kind,
                     cases[i].extension, why ? why : "trusted");
        free(why);
        free(copy);
    }
    const char *ext[] = {"myext", "pg_temp"};
    char *why = session_path_untrusted(sess, ext, 2, LOOKUP_RELATION, true, "myext");
    assert_null(why);
    why = session_path_untrusted(sess, ext, 2, LOOKUP_RELATION, true, NULL);
    assert_non_null(strstr(why, "schema myext on it was not created by this extension script"));
    free(why);
    session_free(sess);
    script_free(s);
}

/* What earlier statements read reaches a statement through ROW_COUNT and the
   like, and through an \if branch on a run-time value. */
static void test_result_reads(void **state)
{
    (void)state;
    script *s;
    session *sess = run("SELECT * FROM vh.tasks;\nSELECT 1 FROM eng.projects;\n", &s);
    size_t n;
    const rel_ref *r = session_result_reads(sess, &n);
    assert_int_equal(n, 2);
    assert_string_equal(r[0].schema, "vh");
    assert_null(r[0].name);
    assert_string_equal(r[1].schema, "eng");
    session_free(sess);
    script_free(s);

    const char *sql = "SELECT 1 FROM vh.tasks;\nUPDATE eng.projects SET n = :'ROW_COUNT';\n";
    script_options opt = script_options_default();
    s = script_read_memory("t.sql", sql, strlen(sql), &opt);
    script_options_free(&opt);
    assert_false(s->stmts[0].uses_result_vars);
    assert_true(s->stmts[1].uses_result_vars);
    sess = session_new();
    for (size_t i = 0; i < s->nstmts; i++) {
        stmt_facts *f = analyze_begin(sess, &s->stmts[i]);
        for (size_t u = 0; u < f->nunits; u++) {
            analyze_unit(f, u);
            session_advance(sess, f, u);
        }
        if (i == 1) {
            const rel_ref *vh = find_rel(f, "vh", NULL); /* carried by ROW_COUNT: its schema */
            assert_non_null(vh);
            assert_true(vh->carried);
        }
        facts_free(f);
    }
    session_free(sess);
    script_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_path), cmocka_unit_test(test_transactions),
        cmocka_unit_test(test_generation),  cmocka_unit_test(test_settings),
        cmocka_unit_test(test_created),     cmocka_unit_test(test_facts),
        cmocka_unit_test(test_pinned_path), cmocka_unit_test(test_path_refs_and_calls),
        cmocka_unit_test(test_result_reads), cmocka_unit_test(test_routine_args),
        cmocka_unit_test(test_created_plainly), cmocka_unit_test(test_body_paths),
        cmocka_unit_test(test_path_trust),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
