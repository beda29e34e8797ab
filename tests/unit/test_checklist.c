/*
 * test_checklist.c: verify's checklist (src/verify/checklist.c) over reports built
 * in memory: every gate is an item, GO is exactly the conjunction of the items
 * (one failed gate, one failed item of its own, a gate the table does not know,
 * each makes it NO-GO), and the automation role's items read the gates' lines about
 * it. No database: the reports have no run, so no item queries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "verify/gate.h"

static const char *const gate_ids[] = {"schemas", "extensions", "row-security", "sensitive-rls",
                                       "roles", "privileges", "lifetime", "views",
                                       "catalog-assumptions", "audit-trail"};
static const char *const item_ids[] = {
    "server-healthy", "database-accessible", "schemas", "extensions", "row-security",
    "automation-connect", "automation-permissions", "roles", "privileges", "lifetime",
    "runs-completed", "runs-no-errors", "audit-trail", "views", "sensitive-rls",
    "catalog-assumptions"};

/* A report as verify_database leaves it before the checklist: every gate passes, the
   automation role codex_staging can connect, audit.runs is readable and empty. */
static void clean(verify_report *r, vctx *v)
{
    memset(r, 0, sizeof(*r));
    memset(v, 0, sizeof(*v));
    v->r = r;
    r->server_version = xstrdup("PostgreSQL 15");
    r->server_started = xstrdup("2026-01-01T00:00:00Z");
    r->database = xstrdup("staging");
    r->user = xstrdup("ehg_admin");
    r->target = xstrdup("ehg_admin@host:5432/staging");
    for (size_t i = 0; i < ARRAY_SIZE(gate_ids); i++)
        gate_evidence(gate_add(v, gate_ids[i], "title"), "%s: seen", gate_ids[i]);
    r->runs.readable = true;
    r->automation.role = xstrdup("codex_staging");
    r->automation.exists = r->automation.login = r->automation.connect = true;
}

static verify_gate *gate(verify_report *r, const char *id)
{
    return (verify_gate *)verify_find_gate(r, id);
}

static const verify_item *item(const verify_report *r, const char *id)
{
    for (size_t i = 0; i < r->nitems; i++)
        if (strcmp(r->items[i].line.id, id) == 0)
            return &r->items[i];
    return NULL;
}

/* Evaluates the checklist; the failed ids ("" for GO). */
static char *evaluate(verify_report *r, vctx *v)
{
    verify_checklist(v);
    assert_null(v->err);
    char *ids = verify_failed_ids(r);
    return ids ? ids : xstrdup("");
}

static void test_clean_is_go(void **state)
{
    (void)state;
    verify_report r;
    vctx v;
    clean(&r, &v);
    char *ids = evaluate(&r, &v);
    assert_string_equal(ids, "");
    assert_int_equal(verify_failed(&r), 0);
    assert_int_equal(r.nitems, ARRAY_SIZE(item_ids));
    for (size_t i = 0; i < ARRAY_SIZE(item_ids); i++) {
        assert_string_equal(r.items[i].line.id, item_ids[i]);
        assert_true(r.items[i].line.pass);
        assert_true(r.items[i].line.nevidence > 0); /* every item says what it saw */
    }
    /* a gate's item carries the gate's evidence */
    assert_string_equal(item(&r, "views")->line.evidence[0], "views: seen");
    assert_string_equal(item(&r, "views")->gate, "views");
    assert_null(item(&r, "runs-completed")->gate);
    assert_string_equal(item(&r, "runs-completed")->line.evidence[0],
                        "no run recorded in audit.runs: nothing ran, nothing failed");
    free(ids);
    verify_report_free(&r);
}

/* Each gate failed on its own fails its item, and so the verdict. */
static void test_each_gate_is_an_item(void **state)
{
    (void)state;
    for (size_t g = 0; g < ARRAY_SIZE(gate_ids); g++) {
        verify_report r;
        vctx v;
        clean(&r, &v);
        gate_problem(gate(&r, gate_ids[g]), "broken %s", gate_ids[g]);
        char *ids = evaluate(&r, &v);
        assert_string_equal(ids, gate_ids[g]);
        assert_int_equal(verify_failed(&r), 1);
        const verify_item *it = item(&r, gate_ids[g]);
        assert_false(it->line.pass);
        assert_int_equal(it->line.nproblems, 1);
        free(ids);
        verify_report_free(&r);
    }
}

static void test_automation_items(void **state)
{
    (void)state;
    verify_report r;
    vctx v;
    clean(&r, &v);
    r.automation.login = false;
    char *ids = evaluate(&r, &v);
    assert_string_equal(ids, "automation-connect");
    assert_string_equal(item(&r, "automation-connect")->line.problems[0],
                        "the automation role codex_staging cannot log in (NOLOGIN)");
    free(ids);
    verify_report_free(&r);

    /* a gate's problem about the role fails its permissions too; about another, not */
    clean(&r, &v);
    gate_problem(gate(&r, "privileges"), "codex_staging holds DELETE on table eng.t");
    gate_problem(gate(&r, "roles"), "codex_staging_old has BYPASSRLS");
    ids = evaluate(&r, &v);
    assert_string_equal(ids, "automation-permissions, roles, privileges");
    const verify_item *it = item(&r, "automation-permissions");
    assert_int_equal(it->line.nproblems, 1);
    assert_string_equal(it->line.problems[0], "privileges: codex_staging holds DELETE on table eng.t");
    free(ids);
    verify_report_free(&r);

    /* a policy without an automation role has nothing to check */
    clean(&r, &v);
    free(r.automation.role);
    r.automation.role = NULL;
    ids = evaluate(&r, &v);
    assert_string_equal(ids, "");
    free(ids);
    verify_report_free(&r);
}

static void test_runs_unreadable(void **state)
{
    (void)state;
    verify_report r;
    vctx v;
    clean(&r, &v);
    r.runs.readable = false;
    char *ids = evaluate(&r, &v);
    assert_string_equal(ids, "runs-completed, runs-no-errors");
    free(ids);
    verify_report_free(&r);
}

/* A gate the table does not name still counts: its own item, at the end. */
static void test_unknown_gate_counts(void **state)
{
    (void)state;
    verify_report r;
    vctx v;
    clean(&r, &v);
    gate_problem(gate_add(&v, "new-gate", "a gate added later"), "it fails");
    char *ids = evaluate(&r, &v);
    assert_string_equal(ids, "new-gate");
    assert_int_equal(r.nitems, ARRAY_SIZE(item_ids) + 1);
    free(ids);
    verify_report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_is_go),
        cmocka_unit_test(test_each_gate_is_an_item),
        cmocka_unit_test(test_automation_items),
        cmocka_unit_test(test_runs_unreadable),
        cmocka_unit_test(test_unknown_gate_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
