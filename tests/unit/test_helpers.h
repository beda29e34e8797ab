/*
 * test_helpers.h: what several unit tests share. Include after cmocka.h.
 *
 *   cmocka_unit_test_setup_teardown(test_x, tmpdir_setup, tmpdir_teardown)
 *       gives test_x a fresh private folder in `tmpdir`, removed afterwards;
 *   policy *p = must_parse_policy("role r { ... }");   fails the test on error.
 */
#ifndef PGWARD_TEST_HELPERS_H
#define PGWARD_TEST_HELPERS_H

#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "base/util.h"

static char tmpdir[64];

static inline int tmpdir_setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/pgward-test-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static inline int tmpdir_teardown(void **state)
{
    (void)state;
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

static inline policy *must_parse_policy(const char *text)
{
    char *err = NULL;
    policy *p = policy_parse("p.policy", text, strlen(text), &err);
    if (!p)
        print_error("%s\n", err);
    assert_non_null(p);
    return p;
}

#endif
