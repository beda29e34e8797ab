/*
 * test_rules_security.c: the security rules (rules_security.c): function-search-path,
 * create-or-replace-foreign, unqualified-in-security-definer, unsafe-search-path,
 * extension-in-public, policy-always-true and rls-without-policy. Table-driven: a
 * script and the ids of this group's findings on it (in any order), with the near
 * misses that must stay quiet; then where findings point and what they say.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"
#include "rules/lint.h"
#include "rules/check.h"
#include "test_helpers.h"

#define FSP "function-search-path"
#define CORF "create-or-replace-foreign"
#define UQ "unqualified-in-security-definer"
#define USP "unsafe-search-path"
#define EXT "extension-in-public"
#define PAT "policy-always-true"
#define RLS "rls-without-policy"

/* A pinned SQL function header, so that only the rule under test fires. */
#define PINNED "RETURNS int LANGUAGE sql SET search_path = pg_catalog, pg_temp "
#define DEFINER "RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp "
#define DEFINER_PL \
    "RETURNS int LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp "
/* Without SET search_path (the gate's security-definer-search-path, not this group's). */
#define DEFINER_OPEN "RETURNS int LANGUAGE sql SECURITY DEFINER "
#define DEFINER_PL_OPEN "RETURNS int LANGUAGE plpgsql SECURITY DEFINER "

typedef struct sec_case {
    const char *sql;
    const char *ids; /* this group's rule ids, comma-separated, sorted; "" for none */
} sec_case;

static const sec_case cases[] = {
    /* function-search-path */
    {"CREATE FUNCTION s.f() RETURNS int LANGUAGE sql AS 'SELECT 1';", FSP},
    {"CREATE FUNCTION s.f() " PINNED "AS 'SELECT 1';", ""},
    {"CREATE PROCEDURE s.p() LANGUAGE plpgsql AS $$BEGIN NULL; END$$;", FSP},
    {"CREATE FUNCTION s.f() RETURNS int RETURN 1;", FSP},
    /* SECURITY DEFINER without one: the error security-definer-search-path instead */
    {"CREATE FUNCTION s.f() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';", ""},
    {"CREATE FUNCTION s.f() RETURNS int LANGUAGE c AS 'mylib', 'f';", ""},
    {"CREATE FUNCTION s.f(cstring) RETURNS int LANGUAGE internal AS 'int4in';", ""},
    {"CREATE FUNCTION s.f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
     "ALTER FUNCTION s.f() SET search_path = pg_catalog, pg_temp;",
     ""},
    {"SET search_path = app, pg_temp;\n"
     "CREATE FUNCTION s.f() RETURNS int LANGUAGE sql SET search_path FROM CURRENT AS 'SELECT 1';",
     ""},
    /* FROM CURRENT with the default "$user", public */
    {"CREATE FUNCTION s.f() RETURNS int LANGUAGE sql SET search_path FROM CURRENT AS 'SELECT 1';",
     USP},

    /* create-or-replace-foreign: in a migration (t.sql, PostgreSQL 15) nobody else
       may create objects in the schemas; foreign_cases has the other contexts */
    {"CREATE OR REPLACE FUNCTION f() " PINNED "AS 'SELECT 1';", ""},
    {"CREATE OR REPLACE FUNCTION s.f() " PINNED "AS 'SELECT 1';", ""},
    {"CREATE TABLE IF NOT EXISTS t (a int);", ""},
    {"CREATE SCHEMA IF NOT EXISTS app;", ""},

    /* a trigger's transition tables are not relations on the search_path */
    {"CREATE FUNCTION s.f() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
     "SET search_path = pg_catalog, pg_temp AS $$ BEGIN PERFORM 1 FROM n; RETURN NULL; END $$;\n"
     "CREATE TRIGGER g AFTER INSERT ON s.t REFERENCING NEW TABLE AS n "
     "FOR EACH STATEMENT EXECUTE FUNCTION s.f();",
     ""},
    {"CREATE FUNCTION s.f() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
     "SET search_path = pg_catalog, pg_temp AS $$ BEGIN PERFORM 1 FROM n; RETURN NULL; END $$;\n"
     "CREATE TRIGGER g AFTER INSERT ON s.t REFERENCING NEW TABLE AS n "
     "FOR EACH STATEMENT EXECUTE FUNCTION s.other();",
     UQ},
    {"CREATE FUNCTION s.f() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
     "SET search_path = pg_catalog, pg_temp AS $$ BEGIN PERFORM 1 FROM m; RETURN NULL; END $$;\n"
     "CREATE TRIGGER g AFTER INSERT ON s.t REFERENCING NEW TABLE AS n "
     "FOR EACH STATEMENT EXECUTE FUNCTION s.f();",
     UQ},
    {"CREATE FUNCTION s.f() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
     "SET search_path = pg_catalog, pg_temp AS $$ BEGIN PERFORM 1 FROM n; RETURN NULL; END $$;",
     UQ},

    /* extension-in-public (and IF NOT EXISTS) */
    {"CREATE EXTENSION pgcrypto;", EXT},
    {"CREATE EXTENSION pgcrypto WITH SCHEMA public;", EXT},
    {"CREATE EXTENSION pgcrypto WITH SCHEMA ext;", ""},
    {"CREATE EXTENSION IF NOT EXISTS pgcrypto;", EXT},

    /* unsafe-search-path */
    {"SET search_path = public;", USP},
    {"SET search_path = pg_catalog, pg_temp;", ""},
    {"SET search_path = app;", ""},
    {"SET LOCAL search_path = \"$user\", app;", USP},
    {"SET SESSION search_path TO pg_temp, app;", USP},
    {"SET search_path = app, '';", USP},
    {"RESET search_path;", ""},
    /* a quoted list names one schema (pgspot PS018), at the top level too */
    {"SET search_path TO 'pg_catalog, pg_temp';", USP},
    {"SET search_path = 'pg_catalog, pg_temp';", USP},
    {"SET search_path TO \"pg_catalog,pg_temp\";", USP},
    {"SET search_path TO 'app';", ""},
    {"CREATE FUNCTION s.f() RETURNS int LANGUAGE sql SET search_path TO 'pg_catalog, pg_temp' "
     "AS 'SELECT 1';", USP},
    {"SELECT set_config('search_path', 'app, public', true);", USP},
    {"SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', false);", ""},
    {"SELECT set_config('work_mem', '64MB', false);", ""},
    {"ALTER ROLE r SET search_path = public;", USP},
    {"ALTER DATABASE d SET search_path = app, pg_temp;", ""},
    {"CREATE FUNCTION s.f() RETURNS int LANGUAGE sql SET search_path = app AS 'SELECT 1';", USP},
    {"CREATE FUNCTION s.f() RETURNS int LANGUAGE sql SET search_path = app, pg_temp "
     "AS 'SELECT 1';",
     ""},
    {"ALTER FUNCTION s.f() SET search_path = public, pg_temp;", USP},
    {"DO $$BEGIN PERFORM set_config('search_path', 'public', false); END$$;", USP},
    {"CREATE FUNCTION s.f() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n"
     "  SET search_path = public;\nEND $$;",
     FSP "," USP},

    /* unqualified-in-security-definer: without a pinned search_path, relations and
       functions; with one, relations only where the caller's pg_temp may hold them */
    {"CREATE FUNCTION s.f() " DEFINER_OPEN "AS $$ SELECT count(*)::int FROM t WHERE g(x) $$;",
     UQ "," UQ},
    {"CREATE FUNCTION s.f() " DEFINER "AS $$ SELECT count(*)::int FROM t WHERE g(x) $$;", UQ},
    {"CREATE FUNCTION s.f() RETURNS int LANGUAGE sql SECURITY DEFINER "
     "SET search_path = app, public, pg_temp AS $$ SELECT g(x) $$;",
     UQ},
    {"CREATE FUNCTION s.f() RETURNS int LANGUAGE sql SECURITY DEFINER "
     "SET search_path = s, pg_temp AS $$ SELECT count(*)::int FROM t WHERE g(x) $$;",
     UQ},
    {"CREATE TABLE s.t (x int);\nCREATE FUNCTION s.f() RETURNS int LANGUAGE sql SECURITY DEFINER "
     "SET search_path = s, pg_temp AS $$ SELECT count(*)::int FROM t WHERE g(x) $$;",
     ""},
    {"CREATE TABLE s.t (x int);\nCREATE FUNCTION s.f() " DEFINER
     "AS $$ SELECT count(*)::int FROM t $$;",
     UQ},
    {"CREATE FUNCTION s.f() " DEFINER
     "AS $$ SELECT count(*)::int FROM s.t WHERE s.g(x) AND lower(y) = 'a' $$;",
     ""},
    {"CREATE FUNCTION s.f() " DEFINER "AS 'SELECT pg_catalog.count(*)::int FROM pg_class';", ""},
    {"CREATE FUNCTION s.f() " DEFINER "BEGIN ATOMIC SELECT helper(); END;", ""},
    {"CREATE FUNCTION s.f() " DEFINER_OPEN "BEGIN ATOMIC SELECT helper(); END;", UQ},
    {"CREATE FUNCTION s.f() " DEFINER "RETURN s.helper();", ""},
    {"CREATE FUNCTION s.f() " DEFINER_PL
     "AS $$\nBEGIN\n  CREATE TEMP TABLE scratch (a int);\n"
     "  INSERT INTO pg_temp.scratch VALUES (1);\n"
     "  RETURN 1;\nEND $$;",
     ""},
    {"CREATE FUNCTION s.f() " DEFINER_PL
     "AS $$\nDECLARE n int;\nBEGIN\n  SELECT count(*) INTO n FROM accounts;\n"
     "  PERFORM s.audit(n);\n  RETURN n;\nEND $$;",
     UQ},
    {"CREATE FUNCTION s.f() " DEFINER_PL
     "AS $$\nDECLARE n int;\nBEGIN\n  WITH x AS (SELECT 1) SELECT count(*) INTO n FROM x;\n"
     "  n := n + s.g(now()::date - 1);\n  IF n > length('ab') THEN RETURN 1; END IF;\n"
     "  RETURN n;\nEND $$;",
     ""},
    {"CREATE FUNCTION s.f() " DEFINER_PL
     "AS $$\nBEGIN\n  RETURN bump(1);\nEND $$;",
     ""},
    {"CREATE FUNCTION s.f() " DEFINER_PL_OPEN
     "AS $$\nBEGIN\n  RETURN bump(1);\nEND $$;",
     UQ},
    /* a SET in the body changes what follows it */
    {"CREATE FUNCTION s.f() " DEFINER_PL
     "AS $$\nBEGIN\n  RETURN bump(1);\n  SET search_path = public;\n  RETURN bump(2);\nEND $$;",
     UQ "," USP},
    /* not SECURITY DEFINER: its caller's privileges, not this rule */
    {"CREATE FUNCTION s.f() " PINNED "AS $$ SELECT count(*)::int FROM t WHERE g(x) $$;", ""},
    /* at most three per function */
    {"CREATE FUNCTION s.f() " DEFINER_OPEN "AS $$ SELECT a(1) + b(2) + c(3) + d(4) $$;",
     UQ "," UQ "," UQ},

    /* policy-always-true */
    {"CREATE POLICY p ON s.t USING (true);", PAT},
    {"CREATE POLICY p ON s.t TO PUBLIC WITH CHECK (true);", PAT},
    {"CREATE POLICY p ON s.t TO app, PUBLIC USING (true);", PAT},
    {"CREATE POLICY p ON s.t TO ehg_admin USING (true);", ""},
    {"CREATE POLICY p ON s.t AS RESTRICTIVE USING (true);", ""},
    {"CREATE POLICY p ON s.t USING (owner = current_user);", ""},
    {"CREATE POLICY p ON s.t USING (false);", ""},
    {"ALTER POLICY p ON s.t USING (true);", PAT},
    {"CREATE POLICY p ON s.t TO app USING (owner = current_user);\n"
     "ALTER POLICY p ON s.t USING (true);",
     ""},
    {"ALTER POLICY p ON s.t TO app USING (true);", ""},

    /* rls-without-policy */
    {"ALTER TABLE s.t ENABLE ROW LEVEL SECURITY;", RLS},
    {"ALTER TABLE s.t ENABLE ROW LEVEL SECURITY;\n"
     "CREATE POLICY p ON s.t TO app USING (owner = current_user);",
     ""},
    {"ALTER TABLE t ENABLE ROW LEVEL SECURITY;\n"
     "CREATE POLICY p ON s.t TO app USING (owner = current_user);",
     ""},
    {"ALTER TABLE s.t ENABLE ROW LEVEL SECURITY;\n"
     "CREATE POLICY p ON s.u TO app USING (owner = current_user);",
     RLS},
    {"ALTER TABLE s.t FORCE ROW LEVEL SECURITY;", ""},
};

static const lint_config cfg = {.policy = NULL, .pg_version = 15};

static script *lint(const char *sql)
{
    script_options opt = script_options_default();
    script *s = script_read_memory("t.sql", sql, strlen(sql), &opt);
    script_options_free(&opt);
    lint_check_modules(&cfg, NULL, s, 1u << LINT_SECURITY);
    return s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* This group's ids of s's findings, sorted and comma-separated (malloc'd). */
static char *group_ids(const script *s)
{
    const char **ids = calloc(s->findings.count + 1, sizeof(*ids));
    size_t n = 0;
    for (size_t i = 0; i < s->findings.count; i++) {
        const rule_def *r = rules_find(rule_name(s->findings.items[i].rule));
        if (r && r->group == RULE_GROUP_SECURITY)
            ids[n++] = rule_name(s->findings.items[i].rule);
    }
    qsort(ids, n, sizeof(*ids), cmp_str);
    strbuf sb = {0};
    sb_adds(&sb, "");
    for (size_t i = 0; i < n; i++)
        sb_addf(&sb, "%s%s", i ? "," : "", ids[i]);
    free(ids);
    return sb_detach(&sb, NULL);
}

static void test_cases(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        script *s = lint(cases[i].sql);
        char *got = group_ids(s);
        if (strcmp(got, cases[i].ids) != 0) {
            print_error("case %zu:\n%s\nwant [%s]\ngot  [%s]\n", i, cases[i].sql, cases[i].ids,
                        got);
            for (size_t k = 0; k < s->findings.count; k++)
                print_error("  %s: %s\n", rule_name(s->findings.items[k].rule), s->findings.items[k].message);
            failed++;
        }
        free(got);
        script_free(s);
    }
    assert_int_equal(failed, 0);
}

/*
 * create-or-replace-foreign where other roles may create objects first: an
 * extension script (by its file name), public before PostgreSQL 15, a schema the
 * script opened to PUBLIC; and what closes it again.
 */
typedef struct foreign_case {
    const char *name; /* the script's file name */
    int pg;           /* --pg-version */
    const char *sql;
    const char *ids;
} foreign_case;

#define EXTF "vector--0.8.0.sql"

static const foreign_case foreign_cases[] = {
    {EXTF, 15, "CREATE OR REPLACE FUNCTION f() " PINNED "AS 'SELECT 1';", CORF},
    {EXTF, 15, "CREATE OR REPLACE FUNCTION s.f() " PINNED "AS 'SELECT 1';", CORF},
    {EXTF, 15, "CREATE SCHEMA s;\nCREATE OR REPLACE FUNCTION s.f() " PINNED "AS 'SELECT 1';", ""},
    {EXTF, 15, "CREATE OR REPLACE FUNCTION s.f() " PINNED "AS 'SELECT 1';\nCREATE SCHEMA s;", CORF},
    {EXTF, 15, "CREATE FUNCTION s.f() " PINNED "AS 'SELECT 1';", ""},
    {EXTF, 15, "CREATE OR REPLACE VIEW v AS SELECT 1 AS a;", CORF},
    {EXTF, 15, "CREATE SCHEMA s;\nCREATE OR REPLACE VIEW s.v AS SELECT 1 AS a;", ""},
    {EXTF, 15, "CREATE OR REPLACE TRIGGER tr AFTER INSERT ON app.t FOR EACH ROW EXECUTE FUNCTION app.f();",
     CORF},
    {EXTF, 15, "CREATE TABLE IF NOT EXISTS t (a int);", CORF},
    {EXTF, 15, "CREATE TABLE t (a int);", ""},
    {EXTF, 15, "CREATE SCHEMA app;\nCREATE TABLE IF NOT EXISTS app.t (a int);\n"
     "CREATE INDEX IF NOT EXISTS i ON app.t (a);\nCREATE SEQUENCE IF NOT EXISTS app.q;",
     ""},
    {EXTF, 15, "CREATE INDEX IF NOT EXISTS i ON public.t (a);", CORF},
    {EXTF, 15, "CREATE SEQUENCE IF NOT EXISTS q;", CORF},
    {EXTF, 15, "CREATE TEMP TABLE IF NOT EXISTS x (a int);", ""},
    {EXTF, 15, "CREATE SCHEMA IF NOT EXISTS app;", CORF},
    {EXTF, 15, "CREATE SCHEMA IF NOT EXISTS app;\nCREATE TABLE IF NOT EXISTS app.t (a int);", CORF "," CORF},
    {EXTF, 15, "CREATE SCHEMA AUTHORIZATION app;\nCREATE TABLE IF NOT EXISTS app.t (a int);", ""},
    {EXTF, 15, "CREATE SCHEMA ext;\nCREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA ext;", ""},
    {EXTF, 15, "CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA ext;", CORF},
    {EXTF, 15, "CREATE EXTENSION IF NOT EXISTS pgcrypto;", CORF "," EXT},
    {"vector--0.7--0.8.sql", 15, "CREATE TABLE IF NOT EXISTS t (a int);", CORF},
    {"vector--.sql", 15, "CREATE TABLE IF NOT EXISTS t (a int);", ""},
    {"--0.8.sql", 15, "CREATE TABLE IF NOT EXISTS t (a int);", ""},
    /* public before 15, and unqualified names (which land there) */
    {"t.sql", 14, "CREATE TABLE IF NOT EXISTS t (a int);", CORF},
    {"t.sql", 14, "CREATE OR REPLACE VIEW public.v AS SELECT 1 AS a;", CORF},
    {"t.sql", 14, "CREATE TABLE IF NOT EXISTS app.t (a int);", ""},
    {"t.sql", 14, "CREATE SCHEMA IF NOT EXISTS app;", ""},
    {"t.sql", 14, "REVOKE CREATE ON SCHEMA public FROM PUBLIC;\n"
                  "CREATE TABLE IF NOT EXISTS t (a int);", ""},
    {"t.sql", 14, "REVOKE ALL ON SCHEMA public FROM PUBLIC;\n"
                  "CREATE TABLE IF NOT EXISTS t (a int);", ""},
    {"t.sql", 14, "REVOKE USAGE ON SCHEMA public FROM PUBLIC;\n"
                  "CREATE TABLE IF NOT EXISTS t (a int);", CORF},
    {"t.sql", 14, "REVOKE CREATE ON SCHEMA public FROM app;\n"
                  "CREATE TABLE IF NOT EXISTS t (a int);", CORF},
    /* the REVOKE counts only from where it is */
    {"t.sql", 14, "CREATE TABLE IF NOT EXISTS t (a int);\n"
                  "REVOKE CREATE ON SCHEMA public FROM PUBLIC;", CORF},
    {"t.sql", 15, "GRANT CREATE ON SCHEMA public TO PUBLIC;\n"
                  "CREATE TABLE IF NOT EXISTS t (a int);", CORF},
    /* a schema opened to PUBLIC, until it is closed again */
    {"t.sql", 15, "GRANT CREATE ON SCHEMA s TO PUBLIC;\n"
                  "CREATE OR REPLACE VIEW s.v AS SELECT 1 AS a;", CORF},
    {"t.sql", 15, "GRANT ALL ON SCHEMA s, u TO app, PUBLIC;\n"
                  "CREATE TABLE IF NOT EXISTS u.t (a int);", CORF},
    {"t.sql", 15, "GRANT USAGE ON SCHEMA s TO PUBLIC;\n"
                  "CREATE OR REPLACE VIEW s.v AS SELECT 1 AS a;", ""},
    {"t.sql", 15, "GRANT CREATE ON SCHEMA s TO app;\n"
                  "CREATE OR REPLACE VIEW s.v AS SELECT 1 AS a;", ""},
    {"t.sql", 15, "GRANT CREATE ON SCHEMA s TO PUBLIC;\nREVOKE CREATE ON SCHEMA s FROM PUBLIC;\n"
                  "CREATE OR REPLACE VIEW s.v AS SELECT 1 AS a;", ""},
    {"t.sql", 15, "GRANT CREATE ON SCHEMA s TO PUBLIC;\n"
                  "CREATE OR REPLACE VIEW t.v AS SELECT 1 AS a;", ""},
    /* unsafe-search-path's trust model in an extension script (pgspot PS004): only
       pg_catalog, @extschema@, schemas made by a plain CREATE SCHEMA, pg_temp last */
    {EXTF, 15, "SET search_path = app, pg_temp;", USP},
    {"t.sql", 15, "SET search_path = app, pg_temp;", ""},
    {EXTF, 15, "SET search_path = pg_catalog, pg_temp;", ""},
    {EXTF, 15, "SET search_path = \"@extschema@\", pg_temp;", ""},
    {EXTF, 15, "CREATE SCHEMA app;\nSET search_path = app, pg_temp;", ""},
    {EXTF, 15, "SET search_path = app, pg_temp;\nCREATE SCHEMA app;", USP},
    {EXTF, 15, "CREATE SCHEMA IF NOT EXISTS app;\nSET search_path = app, pg_temp;",
     CORF "," USP},
    {EXTF, 15, "SELECT pg_catalog.set_config('search_path', 'pg_catalog, app, pg_temp', true);",
     USP},
    {EXTF, 15, "CREATE FUNCTION s.f() RETURNS int LANGUAGE sql SET search_path = app, pg_temp "
               "AS 'SELECT 1';", USP},
    {"t.sql", 15, "CREATE FUNCTION s.f() RETURNS int LANGUAGE sql SET search_path = app, pg_temp "
                  "AS 'SELECT 1';", ""},
};

/* The security findings of sql read as file name, for --pg-version pg. */
static script *lint_named(const char *name, int pg, const char *sql)
{
    lint_config config = {.policy = NULL, .pg_version = pg};
    script_options opt = script_options_default();
    script *s = script_read_memory(name, sql, strlen(sql), &opt);
    script_options_free(&opt);
    lint_check_modules(&config, NULL, s, 1u << LINT_SECURITY);
    return s;
}

/* What a script is for, by its file's name (lint_script_kind). */
static void test_script_kinds(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        script_kind kind;
    } kinds[] = {
        {"vector--0.8.0.sql", SCRIPT_EXTENSION},  {"ext/vector--0.7--0.8.sql", SCRIPT_EXTENSION},
        {"vector--.sql", SCRIPT_MIGRATION},       {"--0.8.sql", SCRIPT_MIGRATION},
        {"vector--0.8.0.sql.bak", SCRIPT_MIGRATION},
        {"000042_users.down.sql", SCRIPT_ROLLBACK}, {"db/000042_users.up.sql", SCRIPT_MIGRATION},
        {"revert/users.sql", SCRIPT_ROLLBACK},    {"sqitch/revert/users.sql", SCRIPT_ROLLBACK},
        {"deploy/users.sql", SCRIPT_MIGRATION},   {"revert-users.sql", SCRIPT_MIGRATION},
        {".down.sql", SCRIPT_MIGRATION},          {"t.sql", SCRIPT_MIGRATION},
    };
    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
        script_options opt = script_options_default();
        script *s = script_read_memory(kinds[i].name, "SELECT 1;", 9, &opt);
        script_options_free(&opt);
        if (lint_script_kind(s) != kinds[i].kind)
            print_error("%s: kind %d, want %d\n", kinds[i].name, (int)lint_script_kind(s),
                        (int)kinds[i].kind);
        assert_int_equal(lint_script_kind(s), kinds[i].kind);
        script_free(s);
    }
}

static void test_foreign_contexts(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t i = 0; i < ARRAY_SIZE(foreign_cases); i++) {
        const foreign_case *fc = &foreign_cases[i];
        script *s = lint_named(fc->name, fc->pg, fc->sql);
        char *got = group_ids(s);
        if (strcmp(got, fc->ids) != 0) {
            print_error("foreign case %zu (%s, %d):\n%s\nwant [%s]\ngot  [%s]\n", i, fc->name,
                        fc->pg, fc->sql, fc->ids, got);
            failed++;
        }
        free(got);
        script_free(s);
    }
    assert_int_equal(failed, 0);
}

/* The only finding of rule id in s. */
static const finding *only(const script *s, const char *id)
{
    const finding *f = NULL;
    for (size_t i = 0; i < s->findings.count; i++) {
        if (strcmp(rule_name(s->findings.items[i].rule), id) == 0) {
            assert_null(f);
            f = &s->findings.items[i];
        }
    }
    assert_non_null(f);
    return f;
}

static size_t offset_of(const char *sql, const char *needle)
{
    const char *p = strstr(sql, needle);
    assert_non_null(p);
    return (size_t)(p - sql);
}

static void test_locations(void **state)
{
    (void)state;
    /* the offending element, also in the second of two statements sent together */
    const char *sql = "SET search_path = app \\; SET search_path = pg_catalog, public;";
    script *s = lint(sql);
    const finding *f = only(s, USP);
    assert_int_equal(f->offset, offset_of(sql, "public"));
    assert_non_null(
        strstr(f->message, "unsafe search_path pg_catalog, public in SET: it contains public"));
    script_free(s);

    /* set_config(): the value */
    sql = "SELECT 1;\nSELECT set_config('search_path', '\"$user\", app', false);";
    s = lint(sql);
    f = only(s, USP);
    assert_int_equal(f->offset, offset_of(sql, "'\"$user\""));
    assert_non_null(strstr(f->message, "\"$user\""));
    script_free(s);

    /* an SQL body given as a string: the name in it */
    sql = "CREATE FUNCTION s.f() " DEFINER "AS $$ SELECT count(*)::int FROM accounts $$;";
    s = lint(sql);
    f = only(s, UQ);
    assert_int_equal(f->offset, offset_of(sql, "accounts"));
    assert_non_null(strstr(f->message, "s.f"));
    assert_non_null(strstr(f->message, "relation accounts"));
    assert_non_null(strstr(f->message, "looks in pg_temp, the caller's temporary schema"));
    script_free(s);

    /* PL/pgSQL: the name on the statement's line */
    sql = "CREATE FUNCTION s.f() " DEFINER_PL_OPEN
          "AS $$\nBEGIN\n  PERFORM s.x();\n  PERFORM bump(1);\n  RETURN 1;\nEND $$;";
    s = lint(sql);
    f = only(s, UQ);
    assert_int_equal(f->offset, offset_of(sql, "bump"));
    assert_non_null(strstr(f->message, "function bump()"));
    script_free(s);

    /* BEGIN ATOMIC */
    sql = "CREATE FUNCTION s.f() " DEFINER_OPEN "BEGIN ATOMIC SELECT helper(); END;";
    s = lint(sql);
    assert_int_equal(only(s, UQ)->offset, offset_of(sql, "helper"));
    script_free(s);

    /* policy: the constant */
    sql = "CREATE POLICY p ON s.t WITH CHECK (true);";
    s = lint(sql);
    f = only(s, PAT);
    assert_int_equal(f->offset, offset_of(sql, "true"));
    assert_non_null(strstr(f->message, "WITH CHECK (true)"));
    script_free(s);

    /* RLS: the table */
    sql = "ALTER TABLE s.t ENABLE ROW LEVEL SECURITY;";
    s = lint(sql);
    f = only(s, RLS);
    assert_int_equal(f->offset, offset_of(sql, "s.t"));
    assert_int_equal(f->severity, SEV_INFO);
    script_free(s);
}

static void test_messages(void **state)
{
    (void)state;
    script *s = lint("CREATE FUNCTION s.f() " DEFINER_OPEN
                     "AS $$ SELECT a(1) + b(2) + c(3) + d(4) + e(5) $$;");
    size_t n = 0;
    for (size_t i = 0; i < s->findings.count; i++) {
        const finding *f = &s->findings.items[i];
        if (strcmp(rule_name(f->rule), UQ) != 0)
            continue;
        n++;
        assert_int_equal(f->severity, SEV_WARNING);
        assert_non_null(strstr(f->message, "SECURITY DEFINER function s.f"));
        if (n == 3)
            assert_non_null(strstr(f->message, "(and 2 more unqualified names)"));
        else
            assert_null(strstr(f->message, "more unqualified"));
    }
    assert_int_equal(n, 3);
    script_free(s);

    s = lint_named(EXTF, 15, "CREATE OR REPLACE VIEW v AS SELECT 1 AS a;");
    assert_non_null(strstr(only(s, CORF)->message, "unqualified, so it lands in the schema"));
    script_free(s);

    s = lint_named(EXTF, 15, "CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA ext;");
    assert_non_null(
        strstr(only(s, CORF)->message, "schema ext was not created by this extension script"));
    script_free(s);

    s = lint_named("t.sql", 14, "CREATE OR REPLACE VIEW v AS SELECT 1 AS a;");
    assert_non_null(strstr(only(s, CORF)->message,
                           "unqualified, so it goes to public; every role may create objects in "
                           "public before PostgreSQL 15 (--pg-version 14)"));
    script_free(s);

    s = lint_named("t.sql", 15, "GRANT CREATE ON SCHEMA public TO PUBLIC;\n"
                                "CREATE OR REPLACE VIEW public.v AS SELECT 1 AS a;");
    assert_non_null(strstr(only(s, CORF)->message,
                           "every role may create objects in public (granted at line 1)"));
    script_free(s);

    s = lint("CREATE FUNCTION s.f() RETURNS int LANGUAGE sql SET search_path = app AS 'SELECT 1';");
    assert_non_null(strstr(only(s, USP)->message, "in function s.f: it does not list pg_temp"));
    script_free(s);
}

/* A policy that turns a rule off silences it. */
static void test_rule_off(void **state)
{
    (void)state;
    policy *p = must_parse_policy("role r { unrestricted; }\nrule function-search-path off;");
    lint_config off = {.policy = p, .pg_version = 15};
    const char *sql = "CREATE FUNCTION s.f() RETURNS int LANGUAGE sql AS 'SELECT 1';";
    script_options opt = script_options_default();
    script *s = script_read_memory("t.sql", sql, strlen(sql), &opt);
    script_options_free(&opt);
    lint_check_modules(&off, NULL, s, 1u << LINT_SECURITY);
    assert_int_equal(s->findings.count, 0);
    script_free(s);
    policy_free(p);
}

/* The policy's own schemas count as created: create-or-replace-foreign stays quiet
   there, and only there. */
static size_t foreign_findings(const lint_config *config, const char *sql)
{
    script_options opt = script_options_default();
    script *s = script_read_memory(EXTF, sql, strlen(sql), &opt); /* where it reports */
    script_options_free(&opt);
    lint_check_modules(config, NULL, s, 1u << LINT_SECURITY);
    size_t n = 0;
    for (size_t i = 0; i < s->findings.count; i++)
        n += strcmp(rule_name(s->findings.items[i].rule), "create-or-replace-foreign") == 0;
    script_free(s);
    return n;
}

static void test_policy_schemas(void **state)
{
    (void)state;
    policy *p = must_parse_policy("family eng { schema eng; pattern \"^eng_\"; }\n"
                                  "bridge schema views reads eng;\nprotect schema audit;\n"
                                  "role r { unrestricted; }");
    lint_config with = {.policy = p, .pg_version = 15}, without = {.pg_version = 15};
    const char *sql = "CREATE TABLE IF NOT EXISTS eng.t (a int);\n"
                      "CREATE TABLE IF NOT EXISTS eng_archive.t (a int);\n"
                      "CREATE OR REPLACE VIEW views.v AS SELECT 1 AS a;\n"
                      "CREATE TABLE IF NOT EXISTS audit.t (a int);\n";
    assert_int_equal(foreign_findings(&without, sql), 4);
    assert_int_equal(foreign_findings(&with, sql), 0);
    assert_int_equal(foreign_findings(&with, "CREATE TABLE IF NOT EXISTS other.t (a int);"), 1);
    policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_locations),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_rule_off),
        cmocka_unit_test(test_policy_schemas),
        cmocka_unit_test(test_foreign_contexts),
        cmocka_unit_test(test_script_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
