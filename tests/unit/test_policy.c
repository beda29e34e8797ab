/*
 * test_policy.c: the policy language: every error at its file:line:col, the
 * canonical form (stable under reordering, a fixed point when read back) and the
 * shipped staging policy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "test_helpers.h"

static const struct {
    const char *text;
    const char *error; /* expected message after "p.policy:", or NULL when valid */
} cases[] = {
    {"role r { }", NULL},
    {"", "1:1: the policy declares no role"},
    {"role r { restricted }", "1:21: syntax error, unexpected '}', expecting ';'"},
    {"family f { schema a; ", "1:22: syntax error, unexpected end of file, expecting schema or pattern or '}'"},
    {"role r {}\nfamily eng { pattern \"(x\"; }", "2:22: invalid pattern \"(x\": missing closing parenthesis at offset 2"},
    {"role r { grant selec on schema x; }", "1:16: unknown statement class 'selec' (expected select, insert, update, delete, truncate, ddl, dcl, maintenance, call, copy or all)"},
    {"role r { grant select on family nope; }", "1:33: unknown family 'nope' in grant"},
    {"family a {} role r {}\nisolate a, b;", "2:12: unknown family 'b' in isolate"},
    {"family a {} role r {} isolate a;", "1:31: isolate needs at least two different families"},
    {"family a {} role r {} isolate a, a;", "1:31: isolate needs at least two different families"},
    {"family a {} role r {} bridge schema v reads a, z;", "1:48: unknown family 'z' in bridge"},
    {"role r { lifetime 0h; }", "1:19: lifetime '0h' out of range (1s to 3650d)"},
    {"role r { lifetime 99999d; }", "1:19: lifetime '99999d' out of range (1s to 3650d)"},
    {"role r {} rule nope error;", "1:16: unknown rule 'nope'"},
    {"role r {} rule syntax-error loud;", "1:29: unknown severity 'loud' (expected error, warning, info or off)"},
    {"role r {} rule syntax-error off; rule syntax-error error;", "1:39: rule 'syntax-error' is configured twice"},
    {"role r {} default role q;", "1:24: default role 'q' is not declared"},
    {"role r {} default role r; default role r;", "1:40: the default role is given twice"},
    {"role r {} role r {}", "1:16: role 'r' is declared twice"},
    {"family f {} family f {} role r {}", "1:20: family 'f' is declared twice"},
    {"family f { schema a, a; } role r {}", "1:22: schema 'a' is listed twice in family 'f'"},
    {"role r {} set a = \"1\"; set a = \"2\";", "1:28: setting 'a' is given twice"},
    {"family \"x { }", "1:8: syntax error, unexpected unterminated string, expecting identifier or string"},
    {"role r { } @", "1:12: syntax error, unexpected unexpected character"},
    {"role r {\n  grant select on table eng.t;\n  allow function public.f, pg_catalog.now;\n}", NULL},
    {"# comment\n-- comment\nrole \"table\" { grant all on schema \"on\"; }", NULL},
    {"role r {} exclude \"migrations/legacy/**\"; exclude \"*.down.sql\";", NULL},
    {"role r {} exclude \"\";", "1:19: empty exclude pattern"},
    {"role r {} exclude \"a\";\nexclude \"a\";", "2:9: exclude \"a\" is given twice"},
    {"role r {} exclude legacy;", "1:19: syntax error, unexpected identifier, expecting string"},
    {"role exclude {}", "1:6: syntax error, unexpected exclude, expecting identifier or string"},
    {"role r {} budget run 5m; budget statement 2s;", NULL},
    {"role r {} budget lock 2s;", NULL},
    {"role r {} budget locks 2s;", "1:18: unknown budget 'locks': expected run, statement or lock"},
    {"role r {} budget lock 1s; budget lock 2s;", "1:34: budget lock is given twice"},
    {"role r {} budget run 0s;", "1:22: budget '0s' out of range (1s to 7d)"},
    {"role r {} budget statement 8d;", "1:28: budget '8d' out of range (1s to 7d)"},
    {"role r {} budget run 1m; budget run 2m;", "1:33: budget run is given twice"},
    {"role r {} budget run;", "1:21: syntax error, unexpected ';', expecting duration"},
    {"role budget {}", "1:6: syntax error, unexpected budget, expecting identifier or string"},
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *err = NULL;
        policy *p = policy_parse("p.policy", cases[i].text, strlen(cases[i].text), &err);
        if (!cases[i].error) {
            if (!p)
                print_error("case %zu: unexpected error %s\n", i, err);
            assert_non_null(p);
            policy_free(p);
            continue;
        }
        assert_null(p);
        char *want = xasprintf("p.policy:%s", cases[i].error);
        if (strcmp(err, want) != 0)
            print_error("case %zu:\n  want %s\n  got  %s\n", i, want, err);
        assert_string_equal(err, want);
        free(want);
        free(err);
    }
}


/* Order, comments, spacing and split grants do not change the digest. */
static void test_digest_ignores_form(void **state)
{
    (void)state;
    policy *a = must_parse_policy("family b { schema y, x; } family a { schema a; }\n"
                           "role z { restricted; grant select on family a; grant insert on family a; }\n"
                           "role y { unrestricted; }\nisolate b, a;");
    policy *b = must_parse_policy("# same meaning\nisolate a,b;\nrole y{unrestricted;}\n"
                           "role z { grant insert, select on family a; restricted; }\n"
                           "family a { schema a; }\nfamily b { schema x, y; }");
    assert_string_equal(a->canonical, b->canonical);
    assert_string_equal(a->digest, b->digest);
    policy *c = must_parse_policy("family b { schema y, x; } family a { schema a; }\n"
                           "role z { restricted; grant select on family a; }\n"
                           "role y { unrestricted; }\nisolate b, a;");
    assert_string_not_equal(a->digest, c->digest); /* one class less: another policy */
    policy_free(a);
    policy_free(b);
    policy_free(c);
}

/* require extension: a set, however it is spread and ordered; part of the digest. */
static void test_required_extensions(void **state)
{
    (void)state;
    policy *a = must_parse_policy("require extension \"uuid-ossp\", pgcrypto;\n"
                                  "require extension pgcrypto, hstore;\nrole r { unrestricted; }");
    assert_int_equal(a->nextensions, 3);
    assert_non_null(strstr(a->canonical, "require extension hstore, pgcrypto, uuid-ossp;\n"));
    policy *b = must_parse_policy("role r { unrestricted; }\n"
                                  "require extension hstore, uuid-ossp, pgcrypto;");
    assert_string_equal(a->digest, b->digest);
    policy *c = must_parse_policy("role r { unrestricted; }\nrequire extension hstore;");
    assert_string_not_equal(a->digest, c->digest);
    /* a keyword used as a name is quoted, so the canonical form reads back */
    policy *k = must_parse_policy("role r { unrestricted; }\nrequire extension \"require\", "
                                  "\"extension\";");
    policy *k2 = must_parse_policy(k->canonical);
    assert_string_equal(k->digest, k2->digest);
    policy_free(k);
    policy_free(k2);
    policy_free(a);
    policy_free(b);
    policy_free(c);
}

/* The canonical text reads back to itself: a fixed point, same digest. */
static void test_canonical_fixed_point(void **state)
{
    (void)state;
    policy *a = must_parse_policy("role \"odd name\" { grant all on table \"my schema\".\"t\\\"q\"; }\n"
                           "sensitive table pattern \"(?i)pass\\\\w+\";\n"
                           "set search_path = \"a, \\\"b\\\"\";");
    policy *b = must_parse_policy(a->canonical);
    assert_string_equal(a->canonical, b->canonical);
    assert_string_equal(a->digest, b->digest);
    assert_int_equal(strlen(a->digest), 64);
    policy_free(a);
    policy_free(b);
}

/* exclude patterns: sorted in the canonical text, part of the digest, read back. */
static void test_excludes(void **state)
{
    (void)state;
    policy *a = must_parse_policy("exclude \"migrations/legacy/**\";\nrole r { unrestricted; }\n"
                                  "exclude \"*.down.sql\";");
    assert_int_equal(a->nexcludes, 2);
    assert_non_null(strstr(a->canonical, "exclude \"*.down.sql\";\n"
                                         "exclude \"migrations/legacy/**\";\n"));
    policy *b = must_parse_policy("role r { unrestricted; }\nexclude \"*.down.sql\";\n"
                                  "exclude \"migrations/legacy/**\";");
    assert_string_equal(a->digest, b->digest);
    policy *c = must_parse_policy(a->canonical);
    assert_string_equal(a->canonical, c->canonical);
    policy *d = must_parse_policy("role r { unrestricted; }");
    assert_string_not_equal(a->digest, d->digest);
    assert_null(strstr(d->canonical, "exclude"));
    /* "exclude" is a keyword now: a role of that name is written quoted */
    policy *e = must_parse_policy("role \"exclude\" { unrestricted; }");
    assert_non_null(strstr(e->canonical, "role \"exclude\""));
    policy *f = must_parse_policy(e->canonical);
    assert_string_equal(e->digest, f->digest);
    policy_free(a);
    policy_free(b);
    policy_free(c);
    policy_free(d);
    policy_free(e);
    policy_free(f);
}

/* budgets: in the canonical text (so in the digest), read back; "budget" is a keyword:
   a name of that spelling is written quoted. */
static void test_budgets(void **state)
{
    (void)state;
    policy *a = must_parse_policy("budget statement 120s;\nrole r { unrestricted; }\n"
                                  "budget run 90s;");
    assert_int_equal(a->budget_run_seconds, 90);
    assert_int_equal(a->budget_statement_seconds, 120);
    assert_non_null(strstr(a->canonical, "budget run 90s;\nbudget statement 2m;\n"));
    assert_int_equal(a->budget_lock_seconds, 0);
    assert_null(strstr(a->canonical, "budget lock"));
    policy *l = must_parse_policy("role r { unrestricted; }\nbudget lock 120s;");
    assert_int_equal(l->budget_lock_seconds, 120);
    assert_non_null(strstr(l->canonical, "budget lock 2m;\n"));
    policy_free(l);
    policy *b = must_parse_policy(a->canonical);
    assert_string_equal(a->canonical, b->canonical);
    assert_string_equal(a->digest, b->digest);
    policy *c = must_parse_policy("role r { unrestricted; }\nbudget run 91s;\n"
                                  "budget statement 2m;");
    assert_string_not_equal(a->digest, c->digest);
    policy *d = must_parse_policy("family \"budget\" { schema \"budget\"; }\n"
                                  "role \"budget\" { grant select on family \"budget\"; }");
    assert_int_equal(d->budget_run_seconds, 0);
    assert_null(strstr(d->canonical, "budget run"));
    assert_non_null(strstr(d->canonical, "role \"budget\" {"));
    policy *e = must_parse_policy(d->canonical);
    assert_string_equal(d->digest, e->digest);
    policy_free(e);
    policy_free(a);
    policy_free(b);
    policy_free(c);
    policy_free(d);
}

static void test_staging_policy(void **state)
{
    (void)state;
    char *err = NULL;
    policy *p = policy_load(PGWARD_SOURCE_DIR "/rules/staging.policy", &err);
    if (!p)
        print_error("%s\n", err);
    assert_non_null(p);
    const policy_role *codex = policy_find_role(p, "codex_staging");
    assert_non_null(codex);
    assert_true(codex->restricted);
    assert_int_equal(codex->lifetime_seconds, 8 * 3600);
    unsigned eng = 0, vh = 0;
    for (size_t i = 0; i < codex->ngrants; i++) {
        if (strcmp(codex->grants[i].target, "eng") == 0)
            eng |= codex->grants[i].classes;
        if (strcmp(codex->grants[i].target, "vh") == 0)
            vh |= codex->grants[i].classes;
    }
    assert_int_equal(eng, CLASS_SELECT | CLASS_INSERT | CLASS_UPDATE);
    assert_int_equal(vh, CLASS_SELECT);
    assert_false(policy_find_role(p, "ehg_admin")->restricted);
    assert_string_equal(p->default_role, "codex_staging");
    assert_int_equal(p->nisolated, 2);
    assert_int_equal(p->nbridges, 1);
    assert_string_equal(p->bridges[0].schema, "views");
    policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_digest_ignores_form),
        cmocka_unit_test(test_canonical_fixed_point),
        cmocka_unit_test(test_required_extensions),
        cmocka_unit_test(test_staging_policy),
        cmocka_unit_test(test_excludes),
        cmocka_unit_test(test_budgets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
