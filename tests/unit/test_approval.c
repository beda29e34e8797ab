/*
 * test_approval.c: sign-offs on a bundle (approval.h): the signed text is exactly
 * the documented encoding; an approval verifies only unchanged, for its bundle and
 * (with a policy) under its approver's key; the file is parsed strictly; the policy's
 * approvers and approvals round-trip through the canonical form (a bundle's policy
 * holds keys inline, never a file name); bundle_verify reads
 * approvals/ like the rest of the bundle (regular NAME.json files only); and the
 * count apply checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle/approval.h"
#include "bundle/bundle.h"
#include "test_helpers.h"

#define DIGEST "f3cfb1b321500b490685c0ce81bde742f02d4c01f1fd869e3d744a0344059a09"
#define OTHER "0000000000000000000000000000000000000000000000000000000000000000"

static char *key_in(const char *name)
{
    char *k = xasprintf("%s/%s", tmpdir, name), *err = NULL;
    if (bundle_keygen(k, &err) < 0)
        print_error("%s\n", err);
    assert_null(err);
    return k;
}

/* The public key of key (its .pub) in the base64 form the policy and approvals use. */
static void pub_text(const char *key, char out[APPROVAL_KEY_LEN + 1])
{
    char *p = xasprintf("%s.pub", key), *pem = NULL, *err = NULL;
    size_t len;
    assert_int_equal(read_whole_file(p, 4096, &pem, &len, &err), 0);
    assert_int_equal(approval_key_from_pem(pem, len, out), 0);
    assert_true(approval_key_ok(out));
    free(pem);
    free(p);
}

static char *make(const char *key, const char *name, const char *note)
{
    char *json = NULL, *err = NULL;
    if (approval_make(DIGEST, name, note, key, 1764000000, &json, &err) < 0)
        print_error("%s\n", err);
    assert_null(err);
    return json;
}

static void parse_ok(const char *json, approval *a)
{
    char *err = NULL;
    if (approval_parse(json, strlen(json), "x.json", a, &err) < 0)
        print_error("%s\n", err);
    assert_null(err);
}

static void parse_refused(const char *json, const char *needle)
{
    approval a;
    char *err = NULL;
    assert_int_equal(approval_parse(json, strlen(json), "x.json", &a, &err), -1);
    if (!strstr(err, needle))
        print_error("'%s' not in '%s'\n", needle, err);
    assert_non_null(strstr(err, needle));
    free(err);
    approval_free(&a);
}

/* Replaces the first `from` in s (malloc'd result). */
static char *replaced(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    assert_non_null(at);
    return xasprintf("%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
}

static void check_fails(const approval *a, const char *digest, const char *want,
                        const char *needle)
{
    char *why = NULL;
    assert_int_equal(approval_check(a, digest, want, &why), -1);
    if (!strstr(why, needle))
        print_error("'%s' not in '%s'\n", needle, why);
    assert_non_null(strstr(why, needle));
    free(why);
}

static void test_approval_encoding_and_verification(void **state)
{
    (void)state;
    char *alice = key_in("alice"), *mallory = key_in("mallory");
    char alice_pub[APPROVAL_KEY_LEN + 1], mallory_pub[APPROVAL_KEY_LEN + 1];
    pub_text(alice, alice_pub);
    pub_text(mallory, mallory_pub);
    char *json = make(alice, "alice", "ok \"quoted\"\nline two");
    approval a;
    parse_ok(json, &a);
    assert_string_equal(a.approver, "alice");
    assert_string_equal(a.time, "2025-11-24T16:00:00Z");
    assert_string_equal(a.key, alice_pub);
    /* the signed text: fixed lines, the note as a JSON string */
    char *m = approval_message(&a);
    char *want = xasprintf("pgward-approval 1\nbundle " DIGEST "\napprover alice\n"
                           "time 2025-11-24T16:00:00Z\nnote \"ok \\\"quoted\\\"\\nline two\"\n"
                           "key %s\n",
                           alice_pub);
    assert_string_equal(m, want);
    free(want);
    free(m);
    char *why = NULL;
    assert_int_equal(approval_check(&a, DIGEST, NULL, &why), 0);
    assert_int_equal(approval_check(&a, DIGEST, alice_pub, &why), 0);
    assert_null(why);
    /* another bundle, another key */
    check_fails(&a, OTHER, NULL, "approves another bundle");
    check_fails(&a, DIGEST, mallory_pub, "not alice's in the policy");
    /* every signed field, edited in the file */
    const char *edits[][2] = {{"line two", "line 2"},
                              {"16:00:00Z", "16:00:01Z"},
                              {"\"approver\":\"alice\"", "\"approver\":\"alicf\""}};
    for (size_t i = 0; i < ARRAY_SIZE(edits); i++) {
        char *t = replaced(json, edits[i][0], edits[i][1]);
        approval b;
        parse_ok(t, &b);
        check_fails(&b, DIGEST, NULL, "does not verify");
        approval_free(&b);
        free(t);
    }
    /* mallory's key put in alice's approval: the signature is not mallory's */
    char *t = replaced(json, alice_pub, mallory_pub);
    approval b;
    parse_ok(t, &b);
    check_fails(&b, DIGEST, NULL, "does not verify");
    approval_free(&b);
    free(t);
    /* the bundle's digest, edited: it approves another bundle */
    t = replaced(json, DIGEST, OTHER);
    parse_ok(t, &b);
    check_fails(&b, DIGEST, NULL, "approves another bundle");
    approval_free(&b);
    free(t);
    approval_free(&a);
    free(json);
    free(alice);
    free(mallory);
}

static void test_approval_parse_is_strict(void **state)
{
    (void)state;
    char *alice = key_in("alice");
    char *json = make(alice, "alice", "");
    char *t;
    parse_refused("[1]", "expected one JSON object");
    parse_refused("{", "expected one JSON object");
    t = xasprintf("%.*s x", (int)strlen(json) - 1, json);
    parse_refused(t, "text after");
    free(t);
    t = replaced(json, "{", "{\"extra\":1,");
    parse_refused(t, "exactly the members");
    free(t);
    t = replaced(json, "\"format\":1", "\"format\":2");
    parse_refused(t, "format 1");
    free(t);
    t = replaced(json, "\"note\":\"\"", "\"nite\":\"\"");
    parse_refused(t, "exactly the members");
    free(t);
    t = replaced(json, "\"note\":\"\"", "\"note\":\"\\u00ff\xff\"");
    parse_refused(t, "not UTF-8");
    free(t);
    t = replaced(json, "\"approver\":\"alice\"", "\"approver\":\"../x\"");
    parse_refused(t, "invalid approver name");
    free(t);
    t = replaced(json, "\"time\":\"2025-11-24T16:00:00Z\"", "\"time\":\"yesterday\"");
    parse_refused(t, "'time'");
    free(t);
    t = replaced(json, "\"key\":\"MCow", "\"key\":\"MCox");
    parse_refused(t, "'key'");
    free(t);
    t = replaced(json, "\"signature\":\"", "\"signature\":\"0");
    parse_refused(t, "'signature'");
    free(t);
    t = replaced(json, "\"bundle\":\"f", "\"bundle\":\"F");
    parse_refused(t, "'bundle'");
    free(t);
    /* names and notes that approve refuses to sign */
    char *out = NULL, *err = NULL;
    assert_int_equal(approval_make(DIGEST, ".hidden", "", alice, 0, &out, &err), -1);
    free(err);
    assert_int_equal(approval_make(DIGEST, "alice", "\xff", alice, 0, &out, &err), -1);
    free(err);
    assert_null(out);
    free(json);
    free(alice);
}

static void test_approval_policy_declarations(void **state)
{
    (void)state;
    char *alice = key_in("alice"), *bob = key_in("bob");
    char bob_pub[APPROVAL_KEY_LEN + 1];
    pub_text(bob, bob_pub);
    char *text = xasprintf("role r { restricted; approvals 2 human 1; }\n"
                           "approver alice key \"alice.pub\" human;\n"
                           "approver bob key \"%s\";\n"
                           "family \"key\" { schema \"human\"; }\n",
                           bob_pub);
    char *name = xasprintf("%s/p.policy", tmpdir), *err = NULL;
    policy *p = policy_parse(name, text, strlen(text), &err);
    if (!p)
        print_error("%s\n", err);
    assert_non_null(p);
    assert_int_equal(p->napprovers, 2);
    assert_true(p->approvers[0].human);
    assert_false(p->approvers[1].human);
    assert_string_equal(p->approvers[1].key, bob_pub);
    assert_int_equal(p->roles[0].approvals, 2);
    assert_int_equal(p->roles[0].approvals_human, 1);
    /* keys are inline in the canonical form, which parses to itself from anywhere */
    assert_non_null(strstr(p->canonical, "approvals 2 human 1;"));
    assert_null(strstr(p->canonical, "alice.pub"));
    assert_non_null(strstr(p->canonical, "family \"key\" {\n    schema \"human\";"));
    policy *q = policy_parse_bundled("elsewhere/policy", p->canonical, strlen(p->canonical),
                                     &err);
    assert_non_null(q);
    assert_string_equal(q->digest, p->digest);
    policy_free(q);
    /* a bundle's policy is read from memory only: no key file, even one that exists */
    assert_null(policy_parse_bundled(name, text, strlen(text), &err));
    assert_non_null(strstr(err, "approver 'alice': not an inline Ed25519 public key"));
    free(err);
    policy_free(p);
    /* a policy with no approver keeps its canonical text as before */
    p = must_parse_policy("role r { restricted; }");
    assert_null(strstr(p->canonical, "approv"));
    policy_free(p);
    const char *bad[][2] = {
        {"role r { approvals 2; } approver a key \"alice.pub\";", "names 1 approver"},
        {"role r { approvals 1 human 1; } approver a key \"alice.pub\";", "(0 human)"},
        {"role r { approvals 1 human 2; }", "needs 2 approvals by a human of 1"},
        {"role r { approvals 65; }", "at most 64"},
        {"role r { } approver a key \"alice.pub\"; approver a key \"alice.pub\";",
         "declared twice"},
        {"role r { } approver a key \"nope.pub\";", "cannot read"},
        {"role r { approvals 2; } approver a key \"alice.pub\"; approver b key \"alice.pub\";",
         "approver 'b' has the key of approver 'a'"},
        {"role r { } approver a key \"alice\";", "not an Ed25519 public key"},
        {"role r { } approver a key \"fifo.pub\";", "not a regular file"},
        {"role r { } approver \"a b\" key \"alice.pub\";", "invalid approver name"},
    };
    char *fifo = xasprintf("%s/fifo.pub", tmpdir);
    assert_int_equal(mkfifo(fifo, 0600), 0); /* never opened: it would block */
    free(fifo);
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        err = NULL;
        p = policy_parse(name, bad[i][0], strlen(bad[i][0]), &err);
        assert_null(p);
        if (!strstr(err, bad[i][1]))
            print_error("'%s' not in '%s'\n", bad[i][1], err);
        assert_non_null(strstr(err, bad[i][1]));
        free(err);
    }
    free(name);
    free(text);
    free(alice);
    free(bob);
}

static char *write_bundle(const char *name, policy *p)
{
    bundle_file files[] = {{.path = "a.sql", .text = "SELECT 1;\n", .len = 10}};
    bundle_spec spec = {.files = files, .nfiles = 1, .policy = p, .role = "r",
                        .nstatements = 1, .verdict = "pass"};
    char *dir = xasprintf("%s/%s", tmpdir, name), *err = NULL;
    if (bundle_write(dir, &spec, NULL, &err) < 0)
        print_error("%s\n", err);
    assert_null(err);
    return dir;
}

static void put_approval(const char *dir, const char *file, const char *digest,
                         const char *name, const char *key)
{
    char *json = NULL, *err = NULL;
    assert_int_equal(approval_make(digest, name, "", key, 0, &json, &err), 0);
    char *folder = xasprintf("%s/approvals", dir), *path = xasprintf("%s/%s", folder, file);
    mkdir(folder, 0755);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(json, f);
    fclose(f);
    free(path);
    free(folder);
    free(json);
}

static void test_approval_in_bundle(void **state)
{
    (void)state;
    char *alice = key_in("alice"), *bob = key_in("bob"), *mallory = key_in("mallory");
    char *text = xasprintf("role r { restricted; approvals 2 human 1; }\n"
                           "approver alice key \"alice.pub\" human;\n"
                           "approver bob key \"bob.pub\";\n");
    char *name = xasprintf("%s/p.policy", tmpdir), *err = NULL;
    policy *p = policy_parse(name, text, strlen(text), &err);
    assert_non_null(p);
    char *dir = write_bundle("b.bundle", p);
    bundle_info info;
    assert_int_equal(bundle_verify(dir, NULL, &info, &err), 0);
    char digest[65];
    memcpy(digest, info.manifest_sha256, sizeof(digest));
    assert_int_equal(info.napprovals, 0);
    bundle_info_free(&info);

    put_approval(dir, "bob.json", digest, "bob", bob);
    put_approval(dir, "alice.json", digest, "alice", mallory); /* not alice's key */
    put_approval(dir, "carol.json", digest, "carol", mallory); /* not an approver */
    put_approval(dir, "dave.json", digest, "bob", bob);        /* bob's, as dave's */
    assert_int_equal(bundle_verify(dir, NULL, &info, &err), 0);
    assert_string_equal(info.manifest_sha256, digest); /* approving changed nothing */
    assert_int_equal(info.napprovals, 4);
    assert_string_equal(info.approvals[0].name, "alice.json"); /* in name order */
    approval_verdict *v = approvals_judge(info.approvals, info.napprovals, digest, p);
    assert_false(v[0].counts);
    assert_non_null(strstr(v[0].problem, "approvals/alice.json: it is signed with a key"));
    assert_true(v[1].counts);
    assert_false(v[1].human);
    assert_false(v[2].counts);
    assert_non_null(strstr(v[2].problem, "not an approver"));
    assert_false(v[3].counts);
    assert_non_null(strstr(v[3].problem, "the file name another's"));
    char *missing = NULL;
    assert_int_equal(approvals_enough(&p->roles[0], v, info.napprovals, &missing), -1);
    assert_string_equal(missing, "role 'r' needs 2 approvals, 1 of them by a human: the "
                                 "bundle has 1 that counts (0 by a human)");
    free(missing);
    approval_verdicts_free(v, info.napprovals);
    bundle_info_free(&info);

    /* alice's own approval: enough */
    char *ap = xasprintf("%s/approvals/alice.json", dir);
    unlink(ap);
    put_approval(dir, "alice.json", digest, "alice", alice);
    assert_int_equal(bundle_verify(dir, NULL, &info, &err), 0);
    v = approvals_judge(info.approvals, info.napprovals, digest, p);
    assert_true(v[0].counts && v[0].human);
    assert_int_equal(approvals_enough(&p->roles[0], v, info.napprovals, &missing), 0);
    approval_verdicts_free(v, info.napprovals);
    bundle_info_free(&info);

    /* approvals/ holds regular NAME.json files only, never through a link */
    unlink(ap);
    char *target = xasprintf("%s/elsewhere.json", tmpdir);
    put_approval(tmpdir, "../elsewhere.json", digest, "alice", alice);
    assert_int_equal(symlink(target, ap), 0);
    assert_int_equal(bundle_verify(dir, NULL, &info, &err), -1);
    assert_non_null(strstr(err, "a symbolic link"));
    free(err);
    bundle_info_free(&info);
    unlink(ap);
    char *odd = xasprintf("%s/approvals/notes.txt", dir);
    FILE *f = fopen(odd, "w");
    fclose(f);
    assert_int_equal(bundle_verify(dir, NULL, &info, &err), -1);
    assert_non_null(strstr(err, "is not an approval (NAME.json)"));
    free(err);
    bundle_info_free(&info);
    free(odd);
    free(target);
    free(ap);
    policy_free(p);
    free(dir);
    free(name);
    free(text);
    free(alice);
    free(bob);
    free(mallory);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_approval_encoding_and_verification, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_approval_parse_is_strict, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_approval_policy_declarations, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_approval_in_bundle, tmpdir_setup, tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
