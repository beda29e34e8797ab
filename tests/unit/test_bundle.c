/*
 * test_bundle.c: bundles are refused when anything changes after bundling: a file's
 * bytes, the order or number of files, the manifest (signature), the policy, or a
 * name that would leave the bundle.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle/bundle.h"
#include "test_helpers.h"



static policy *staging(void)
{
    const char *text = "family eng { schema eng; } role codex { restricted; grant select on family eng; }";
    char *err = NULL;
    policy *p = policy_parse("p.policy", text, strlen(text), &err);
    assert_non_null(p);
    return p;
}

static char *path_in(const char *name)
{
    return xasprintf("%s/%s", tmpdir, name);
}

/* Writes a signed two-file bundle at tmpdir/name; returns its path. */
static char *make_bundle(const char *name, const char *key, policy *p)
{
    bundle_file files[2] = {
        {.path = "a.sql", .text = "SELECT 1;\n\\i inc/b.sql\n", .len = 23},
        {.path = "inc/b.sql", .text = "SELECT 2;\n", .len = 10, .included = true},
    };
    bundle_spec spec = {.files = files, .nfiles = 2, .policy = p, .role = "codex",
                        .nstatements = 2, .verdict = "pass"};
    char *dir = path_in(name), *err = NULL;
    if (bundle_write(dir, &spec, key, &err) < 0)
        print_error("%s\n", err);
    assert_null(err);
    return dir;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* noinline: gcc 12 -O2 sees a dangling pointer here that is not there */
__attribute__((noinline)) static char *read_text(const char *path)
{
    char *data = NULL, *err = NULL;
    size_t len;
    assert_int_equal(read_whole_file(path, 1 << 20, &data, &len, &err), 0);
    return data;
}

static void expect_refused(const char *dir, const char *pub, const char *needle)
{
    bundle_info info;
    char *err = NULL;
    assert_int_equal(bundle_verify(dir, pub, &info, &err), -1);
    if (!strstr(err, needle))
        print_error("error '%s' lacks '%s'\n", err, needle);
    assert_non_null(strstr(err, needle));
    free(err);
    bundle_info_free(&info);
}

static void test_bundle_round_trip_and_tampering(void **state)
{
    (void)state;
    policy *p = staging();
    char *key = path_in("k"), *pub = path_in("k.pub"), *err = NULL;
    assert_int_equal(bundle_keygen(key, &err), 0);
    assert_int_equal(bundle_keygen(key, &err), -1); /* never overwritten */
    free(err);

    char *dir = make_bundle("ok", key, p);
    bundle_info info;
    assert_int_equal(bundle_verify(dir, pub, &info, &err), 0);
    assert_int_equal(info.nfiles, 2);
    assert_true(info.signed_);
    assert_string_equal(info.role, "codex");
    assert_string_equal(info.policy_digest, p->digest);
    bundle_info_free(&info);

    /* an edited file */
    char *d1 = make_bundle("edited", key, p), *f1 = xasprintf("%s/files/inc/b.sql", d1);
    write_text(f1, "DROP TABLE eng.t;\n");
    expect_refused(d1, NULL, "'inc/b.sql' was changed after bundling");

    /* files reordered in the manifest (hashes still match the files) */
    char *d2 = make_bundle("reordered", NULL, p), *m2 = xasprintf("%s/manifest", d2);
    char *m = read_text(m2);
    char *a = strstr(m, "file "), *b = strstr(m, "include ");
    assert_true(a && b && a < b);
    char *line_a = xstrndup(a, (size_t)(b - a)), *line_b = xstrdup(b);
    *a = '\0';
    char *swapped = xasprintf("%s%s%s", m, line_b, line_a);
    write_text(m2, swapped);
    expect_refused(d2, NULL, "the file chain breaks");

    /* the manifest edited: its signature no longer verifies */
    char *d3 = make_bundle("resigned", key, p), *m3 = xasprintf("%s/manifest", d3);
    char *mm = read_text(m3);
    char *r = strstr(mm, "role codex");
    assert_non_null(r);
    memcpy(r, "role xodec", 10);
    write_text(m3, mm);
    expect_refused(d3, pub, "the signature does not verify");

    /* the same signature spelled otherwise: upper case, or with bytes after it */
    char *ds1 = make_bundle("sigcase", key, p), *ss1 = xasprintf("%s/manifest.sig", ds1);
    char *sig1 = read_text(ss1);
    for (char *c = sig1; *c; c++)
        if (*c >= 'a' && *c <= 'f')
            *c = (char)(*c - 'a' + 'A');
    write_text(ss1, sig1);
    expect_refused(ds1, pub, "not a signature");
    expect_refused(ds1, NULL, "not a signature"); /* without a key too */
    char *ds2 = make_bundle("sigtail", key, p), *ss2 = xasprintf("%s/manifest.sig", ds2);
    char *sig2 = read_text(ss2), *tail = xasprintf("%sjunk\n", sig2);
    write_text(ss2, tail);
    expect_refused(ds2, pub, "not a signature");

    free(tail); free(sig2); free(ss2); free(ds2); free(sig1); free(ss1); free(ds1);

    /* unsigned, while a public key is required */
    char *d4 = make_bundle("unsigned", NULL, p);
    expect_refused(d4, pub, "not signed");

    /* the policy replaced */
    char *d5 = make_bundle("policy", NULL, p), *p5 = xasprintf("%s/policy", d5);
    write_text(p5, "role codex { unrestricted; }\n");
    expect_refused(d5, NULL, "the policy does not match");

    /* a name that leaves the bundle */
    char *d6 = make_bundle("escape", NULL, p), *m6 = xasprintf("%s/manifest", d6);
    char *m6t = read_text(m6);
    char *inc = strstr(m6t, " inc/b.sql");
    assert_non_null(inc);
    char *bad = xasprintf("%.*s ../../etc/passwd\n", (int)(inc - m6t), m6t);
    write_text(m6, bad);
    expect_refused(d6, NULL, "leaves the bundle");

    free(bad); free(m6t); free(m6); free(d6); free(p5); free(d5); free(d4);
    free(mm); free(m3); free(d3); free(swapped); free(line_a); free(line_b); free(m);
    free(m2); free(d2); free(f1); free(d1); free(dir); free(pub); free(key);
    policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bundle_round_trip_and_tampering, tmpdir_setup, tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
