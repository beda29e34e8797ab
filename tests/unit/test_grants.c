/*
 * test_grants.c: the privileges model of policy/grants.h (what policy grants,
 * stage and verify share): classes to privileges per role and schema, PUBLIC,
 * table grants and sequences, the database, and the script's PUBLIC-free --role form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "policy/grants.h"
#include "test_helpers.h"

static const char text[] =
    "family eng { schema eng; pattern \"^eng_\"; }\n"
    "bridge schema views reads eng;\n"
    "protect schema audit;\n"
    "role admin { unrestricted; grant all on family eng; grant all on schema views; }\n"
    "role dev { restricted; grant select, ddl on family eng; grant all on schema audit; }\n"
    "role bot { restricted; grant select, insert, update on family eng;\n"
    "           grant insert, delete on table views.jobs; allow function public.f; }\n";

static policy *load(void)
{
    char *err = NULL;
    policy *p = policy_parse("t.policy", text, strlen(text), &err);
    if (!p)
        fail_msg("%s", err);
    return p;
}

static void test_role_privs(void **state)
{
    (void)state;
    policy *p = load();
    const policy_role *bot = policy_find_role(p, "bot"), *dev = policy_find_role(p, "dev");
    const policy_role *admin = policy_find_role(p, "admin");

    policy_privs pv = policy_role_privs(p, bot, "eng");
    assert_int_equal(pv.schema, PRIV_USAGE);
    assert_int_equal(pv.tables, PRIV_SELECT | PRIV_INSERT | PRIV_UPDATE);
    assert_int_equal(pv.sequences, PRIV_USAGE); /* insert: nextval */
    assert_int_equal(pv.routines, 0);
    /* a schema only the pattern names: the family's grants */
    pv = policy_role_privs(p, bot, "eng_archive");
    assert_int_equal(pv.tables, PRIV_SELECT | PRIV_INSERT | PRIV_UPDATE);
    /* an allowed function: USAGE on its schema, nothing else there */
    pv = policy_role_privs(p, bot, "public");
    assert_int_equal(pv.schema, PRIV_USAGE);
    assert_int_equal(pv.tables, 0);
    /* ddl: CREATE, REFERENCES, TRIGGER, the sequences */
    pv = policy_role_privs(p, dev, "eng");
    assert_int_equal(pv.schema, PRIV_USAGE | PRIV_CREATE);
    assert_int_equal(pv.tables, PRIV_SELECT | PRIV_REFERENCES | PRIV_TRIGGER);
    assert_int_equal(pv.sequences, PRIV_SEQUENCE_ALL);
    /* a restricted role only reads a protected schema, whatever it is granted */
    pv = policy_role_privs(p, dev, "audit");
    assert_int_equal(pv.schema, PRIV_USAGE);
    assert_int_equal(pv.tables, PRIV_SELECT);
    /* the admin reads the protected schemas */
    pv = policy_role_privs(p, admin, "audit");
    assert_int_equal(pv.tables, PRIV_SELECT);
    assert_int_equal(policy_role_privs(p, bot, "audit").schema, 0);
    policy_free(p);
}

static void test_tables_sequences_database(void **state)
{
    (void)state;
    policy *p = load();
    const policy_role *bot = policy_find_role(p, "bot"), *dev = policy_find_role(p, "dev");
    assert_int_equal(policy_table_privs(p, bot, "views", "jobs"), PRIV_INSERT | PRIV_DELETE);
    assert_int_equal(policy_table_privs(p, bot, "views", "other"), 0);
    assert_int_equal(policy_role_privs(p, bot, "views").schema, PRIV_USAGE);
    assert_int_equal(policy_sequence_privs(p, bot, "views", "jobs"), PRIV_USAGE);
    assert_int_equal(policy_sequence_privs(p, bot, "views", NULL), 0);
    assert_int_equal(policy_database_privs(p, bot), PRIV_CONNECT);
    assert_int_equal(policy_database_privs(p, dev), PRIV_CONNECT | PRIV_CREATE);
    assert_int_equal(policy_database_privs(p, NULL), 0);
    policy_free(p);
}

static void test_public(void **state)
{
    (void)state;
    policy *p = load();
    policy_privs pv = policy_public_privs(p, "eng");
    assert_int_equal(pv.schema | pv.tables | pv.sequences | pv.routines, 0);
    pv = policy_public_privs(p, "eng_archive");
    assert_int_equal(pv.schema | pv.routines, 0);
    pv = policy_public_privs(p, "audit");
    assert_int_equal(pv.schema, PRIV_USAGE);
    assert_int_equal(pv.tables, PRIV_SELECT);
    assert_int_equal(pv.routines, PRIV_EXECUTE);
    pv = policy_public_privs(p, "public");
    assert_int_equal(pv.schema, PRIV_USAGE); /* no CREATE */
    policy_free(p);
}

static void test_words(void **state)
{
    (void)state;
    strbuf sb = {0};
    priv_words(&sb, PRIV_USAGE | PRIV_SELECT | PRIV_TRIGGER);
    assert_string_equal(sb.buf, "SELECT, TRIGGER, USAGE");
    sb_free(&sb);
    assert_int_equal(priv_bit("TEMPORARY"), PRIV_TEMPORARY);
    assert_int_equal(priv_bit("nope"), 0);
}

static void test_script(void **state)
{
    (void)state;
    policy *p = load();
    char *all = policy_grants_sql(p, NULL);
    assert_non_null(strstr(all, "REVOKE CREATE ON SCHEMA public FROM PUBLIC;\n"));
    assert_non_null(strstr(all, "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA \"eng\" "
                                "TO \"bot\";\n"));
    assert_non_null(strstr(all, "ALTER DEFAULT PRIVILEGES FOR ROLE \"admin\" IN SCHEMA \"eng\" "
                                "GRANT SELECT, INSERT, UPDATE ON TABLES TO \"bot\";\n"));
    /* dev creates in eng too: what it creates reaches bot */
    assert_non_null(strstr(all, "ALTER DEFAULT PRIVILEGES FOR ROLE \"dev\" IN SCHEMA \"eng\" "
                                "GRANT SELECT, INSERT, UPDATE ON TABLES TO \"bot\";\n"));
    assert_null(strstr(all, "CREATE ON SCHEMA \"eng\" TO \"bot\""));
    char *one = policy_grants_sql(p, policy_find_role(p, "bot"));
    assert_null(strstr(one, "FROM PUBLIC"));
    assert_null(strstr(one, "TO \"dev\""));
    free(one);
    free(all);
    policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_role_privs),
        cmocka_unit_test(test_tables_sequences_database),
        cmocka_unit_test(test_public),
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_script),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
