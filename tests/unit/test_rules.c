/*
 * test_rules.c: the rule registry (rules.h): sorted and unique by id, summaries
 * in the house style, rules_find, the severity a rule has in a run (its default,
 * the policy's `rule ID SEVERITY;`, `rule ID off;`, opt-in rules), and that a
 * policy may configure exactly the rules of the registry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"
#include "test_helpers.h"

/* A valid policy: a role (every policy needs one) and the given rule lines. */
static policy *rules_policy(const char *rule_lines)
{
    char *text = xasprintf("role r {\n    restricted;\n}\n%s", rule_lines);
    policy *p = must_parse_policy(text);
    free(text);
    return p;
}

static void test_sorted_and_unique(void **state)
{
    (void)state;
    assert_true(rules_count() > 0);
    for (size_t i = 1; i < rules_count(); i++) {
        const char *prev = rules_at(i - 1)->id, *cur = rules_at(i)->id;
        if (strcmp(prev, cur) >= 0)
            fail_msg("rules out of order or duplicated: '%s' then '%s'", prev, cur);
    }
    assert_null(rules_at(rules_count()));
}

static void test_ids_and_summaries(void **state)
{
    (void)state;
    for (size_t i = 0; i < rules_count(); i++) {
        const rule_def *r = rules_at(i);
        /* ids: lowercase words joined by single hyphens */
        assert_true(r->id[0] != '\0');
        for (const char *c = r->id; *c; c++)
            if (!(islower((unsigned char)*c) || *c == '-') || (*c == '-' && c[1] == '-'))
                fail_msg("rule id '%s' is not lowercase-hyphenated", r->id);
        assert_true(r->id[strlen(r->id) - 1] != '-');

        const char *s = r->summary;
        size_t n = s ? strlen(s) : 0;
        if (n == 0)
            fail_msg("rule '%s' has no summary", r->id);
        /* lowercase first, unless it starts with an SQL keyword or type in capitals */
        if (isupper((unsigned char)s[0])) {
            size_t w = strcspn(s, " .(");
            for (size_t k = 0; k < w; k++)
                if (islower((unsigned char)s[k]))
                    fail_msg("summary of '%s' starts with a capital: \"%s\"", r->id, s);
        }
        if (s[n - 1] == '.' && !(n >= 3 && strcmp(s + n - 3, "...") == 0))
            fail_msg("summary of '%s' ends with a period: \"%s\"", r->id, s);
        if (strchr(s, '\n'))
            fail_msg("summary of '%s' is more than one line", r->id);
        assert_true(r->sev == SEV_INFO || r->sev == SEV_WARNING || r->sev == SEV_ERROR);
        assert_string_not_equal(rules_group_name(r->group), "?");
    }
}

static void test_find(void **state)
{
    (void)state;
    for (size_t i = 0; i < rules_count(); i++) {
        const rule_def *r = rules_at(i);
        assert_ptr_equal(rules_find(r->id), r);
    }
    assert_null(rules_find(""));
    assert_null(rules_find("set-not-nul"));
    assert_null(rules_find("set-not-null "));
    assert_null(rules_find("SET-NOT-NULL"));
    assert_null(rules_find("zzz"));
    assert_null(rules_find("aaa"));
    assert_non_null(rules_find("syntax-error"));
    assert_string_equal(rules_find("set-not-null")->id, "set-not-null");
}

static void test_front_end_ids_registered(void **state)
{
    (void)state;
    /* the front end reports these through the generated constants */
    const rule_id ids[] = {RULE_SYNTAX_ERROR, RULE_UNSUPPORTED_META_COMMAND, RULE_INCLUDE_ERROR,
                           RULE_SCRIPT_ERROR, RULE_INPUT_ERROR};
    for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
        const rule_def *r = rules_at(ids[i]);
        assert_non_null(r);
        assert_int_equal(r->group, RULE_GROUP_FRONT_END);
        assert_int_equal(r->sev, SEV_ERROR);
    }
}

static void test_severity_default(void **state)
{
    (void)state;
    severity sev = SEV_INFO;
    lint_config none = {.policy = NULL, .pg_version = 15};
    assert_true(rules_severity(&none, RULE_SET_NOT_NULL, &sev));
    assert_int_equal(sev, SEV_WARNING);
    assert_true(rules_severity(&none, RULE_SYNTAX_ERROR, &sev));
    assert_int_equal(sev, SEV_ERROR);
    assert_true(rules_severity(&none, RULE_RLS_WITHOUT_POLICY, &sev));
    assert_int_equal(sev, SEV_INFO);
    assert_true(rules_severity(NULL, RULE_SET_NOT_NULL, &sev));
    assert_int_equal(sev, SEV_WARNING);
    assert_false(rules_severity(&none, RULE_COUNT, &sev));

    /* every non-opt-in rule is on, at its default, without a policy */
    for (size_t i = 0; i < rules_count(); i++) {
        const rule_def *r = rules_at(i);
        bool on = rules_severity(&none, (rule_id)i, &sev);
        assert_int_equal(on, !r->opt_in);
        if (on)
            assert_int_equal(sev, r->sev);
    }

    /* a policy that names other rules leaves this one at its default */
    policy *p = rules_policy("rule drop-table error;\n");
    lint_config cfg = {.policy = p, .pg_version = 15};
    assert_true(rules_severity(&cfg, RULE_SET_NOT_NULL, &sev));
    assert_int_equal(sev, SEV_WARNING);
    policy_free(p);
}

static void test_severity_policy_override(void **state)
{
    (void)state;
    policy *p = rules_policy("rule set-not-null error;\n"
                                  "rule grant-to-public warning;\n"
                                  "rule transaction-control info;\n");
    lint_config cfg = {.policy = p, .pg_version = 15};
    severity sev = SEV_INFO;
    assert_true(rules_severity(&cfg, RULE_SET_NOT_NULL, &sev));
    assert_int_equal(sev, SEV_ERROR);
    assert_true(rules_severity(&cfg, RULE_GRANT_TO_PUBLIC, &sev));
    assert_int_equal(sev, SEV_WARNING);
    assert_true(rules_severity(&cfg, RULE_TRANSACTION_CONTROL, &sev));
    assert_int_equal(sev, SEV_INFO);
    assert_true(rules_severity(&cfg, RULE_DROP_TABLE, &sev));
    assert_int_equal(sev, SEV_WARNING);
    policy_free(p);
}

static void test_severity_off(void **state)
{
    (void)state;
    policy *p = rules_policy("rule set-not-null off;\nrule prefer-text off;\n");
    lint_config cfg = {.policy = p, .pg_version = 15};
    severity sev;
    assert_false(rules_severity(&cfg, RULE_SET_NOT_NULL, &sev));
    assert_false(rules_severity(&cfg, RULE_PREFER_TEXT, &sev));
    assert_true(rules_severity(&cfg, RULE_PREFER_BIGINT, &sev));
    policy_free(p);
}

static void test_severity_opt_in(void **state)
{
    (void)state;
    const rule_def *r = rules_find("require-schema");
    assert_non_null(r);
    assert_true(r->opt_in);
    severity sev;

    lint_config none = {.policy = NULL, .pg_version = 15};
    assert_false(rules_severity(&none, RULE_REQUIRE_SCHEMA, &sev));

    policy *other = rules_policy("rule set-not-null error;\n");
    lint_config cfg_other = {.policy = other, .pg_version = 15};
    assert_false(rules_severity(&cfg_other, RULE_REQUIRE_SCHEMA, &sev));
    policy_free(other);

    policy *on = rules_policy("rule require-schema warning;\n");
    lint_config cfg_on = {.policy = on, .pg_version = 15};
    sev = SEV_INFO;
    assert_true(rules_severity(&cfg_on, RULE_REQUIRE_SCHEMA, &sev));
    assert_int_equal(sev, SEV_WARNING);
    policy_free(on);

    policy *err = rules_policy("rule require-schema error;\n");
    lint_config cfg_err = {.policy = err, .pg_version = 15};
    assert_true(rules_severity(&cfg_err, RULE_REQUIRE_SCHEMA, &sev));
    assert_int_equal(sev, SEV_ERROR);
    policy_free(err);

    policy *off = rules_policy("rule require-schema off;\n");
    lint_config cfg_off = {.policy = off, .pg_version = 15};
    assert_false(rules_severity(&cfg_off, RULE_REQUIRE_SCHEMA, &sev));
    policy_free(off);
}

static void test_policy_knows_the_registry(void **state)
{
    (void)state;
    for (size_t i = 0; i < rules_count(); i++)
        if (!policy_rule_known(rules_at(i)->id))
            fail_msg("a policy may not configure rule '%s'", rules_at(i)->id);
    assert_false(policy_rule_known("set-not-nul"));
    assert_false(policy_rule_known(""));

    char *err = NULL;
    const char *text = "rule set-not-nul error;\n";
    policy *p = policy_parse("p.policy", text, strlen(text), &err);
    assert_null(p);
    assert_non_null(err);
    assert_non_null(strstr(err, "set-not-nul"));
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sorted_and_unique),
        cmocka_unit_test(test_ids_and_summaries),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_front_end_ids_registered),
        cmocka_unit_test(test_severity_default),
        cmocka_unit_test(test_severity_policy_override),
        cmocka_unit_test(test_severity_off),
        cmocka_unit_test(test_severity_opt_in),
        cmocka_unit_test(test_policy_knows_the_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
