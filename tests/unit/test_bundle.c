/*
 * test_bundle.c: bundles are refused when anything changes after bundling: a file's
 * bytes, the order or number of files, the manifest (signature), the policy, or a
 * name that would leave the bundle; when they hold anything but the regular files
 * their manifest lists (symbolic links, FIFOs, sockets, oversized or unlisted
 * files); and the bytes verified are the bytes read afterwards, whatever happens to
 * the folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <fcntl.h>
#include <unistd.h>

#include "bundle/bundle.h"
#include "rules/lint.h"
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
    /* without a key, checked with the signer's key the bundle carries: damage shows */
    expect_refused(d3, NULL, "does not verify with the bundle's own signer's key");
    bundle_info ok_nokey;
    assert_int_equal(bundle_verify(dir, NULL, &ok_nokey, &err), 0);
    assert_true(ok_nokey.signed_);
    bundle_info_free(&ok_nokey);
    /* a signature whose key is gone cannot be checked without --pubkey; a key alone
       is not a signature */
    char *dk = make_bundle("nokey", key, p), *kk = xasprintf("%s/manifest.pub", dk);
    assert_int_equal(unlink(kk), 0);
    expect_refused(dk, NULL, "cannot be checked: the bundle carries no signer's key");
    bundle_info ok_key;
    assert_int_equal(bundle_verify(dk, pub, &ok_key, &err), 0); /* with the key: fine */
    bundle_info_free(&ok_key);
    char *dn = make_bundle("keyonly", key, p), *sn = xasprintf("%s/manifest.sig", dn);
    assert_int_equal(unlink(sn), 0);
    expect_refused(dn, NULL, "a signer's key without a signature");
    free(sn); free(dn); free(kk); free(dk);

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


static char *file_in(const char *dir, const char *name)
{
    return xasprintf("%s/%s", dir, name);
}

/* Replaces path by what make() puts there. */
static void replace_with_fifo(const char *path)
{
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkfifo(path, 0600), 0);
}

static void test_bundle_refuses_what_is_not_a_regular_listed_file(void **state)
{
    (void)state;
    policy *p = staging();

    /* a FIFO as a script and as the manifest: refused at once, never waited on */
    char *d1 = make_bundle("fifo", NULL, p), *f1 = file_in(d1, "files/a.sql");
    replace_with_fifo(f1);
    expect_refused(d1, NULL, "files/a.sql': a FIFO, not a regular file");
    char *d2 = make_bundle("fifo-manifest", NULL, p), *f2 = file_in(d2, "manifest");
    replace_with_fifo(f2);
    expect_refused(d2, NULL, "manifest': a FIFO, not a regular file");
    char *d2b = make_bundle("fifo-policy", NULL, p), *f2b = file_in(d2b, "policy");
    replace_with_fifo(f2b);
    expect_refused(d2b, NULL, "policy': a FIFO, not a regular file");

    /* a symbolic link to an identical file outside the bundle, to a folder, as the
       policy or the signature */
    char *d3 = make_bundle("link", NULL, p), *f3 = file_in(d3, "files/a.sql");
    char *outside = path_in("outside.sql");
    write_text(outside, "SELECT 1;\n\\i inc/b.sql\n");
    assert_int_equal(unlink(f3), 0);
    assert_int_equal(symlink(outside, f3), 0);
    expect_refused(d3, NULL, "files/a.sql': a symbolic link, not a regular file");
    char *d4 = make_bundle("link-dir", NULL, p), *f4 = file_in(d4, "files/inc");
    char *outdir = path_in("outdir"), *outb = path_in("outdir/b.sql");
    assert_int_equal(mkdir(outdir, 0700), 0);
    write_text(outb, "SELECT 2;\n");
    char *rm = xasprintf("rm -r '%s'", f4);
    assert_int_equal(system(rm), 0);
    free(rm);
    assert_int_equal(symlink(outdir, f4), 0);
    expect_refused(d4, NULL, "files/inc': a symbolic link, not a folder");
    char *d5 = make_bundle("link-policy", NULL, p), *f5 = file_in(d5, "policy");
    char *pcopy = path_in("policy-copy");
    write_text(pcopy, p->canonical);
    assert_int_equal(unlink(f5), 0);
    assert_int_equal(symlink(pcopy, f5), 0);
    expect_refused(d5, NULL, "policy': a symbolic link, not a regular file");
    char *k = path_in("k2"), *err = NULL;
    assert_int_equal(bundle_keygen(k, &err), 0);
    char *d6 = make_bundle("link-sig", k, p), *f6 = file_in(d6, "manifest.sig");
    char *scopy = path_in("sig-copy"), *sig = read_text(f6);
    write_text(scopy, sig);
    assert_int_equal(unlink(f6), 0);
    assert_int_equal(symlink(scopy, f6), 0);
    expect_refused(d6, NULL, "manifest.sig': a symbolic link, not a regular file");

    /* a socket among the files */
    char *d7 = make_bundle("socket", NULL, p), *f7 = file_in(d7, "files/s.sql");
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    assert_true(strlen(f7) < sizeof(sa.sun_path));
    strcpy(sa.sun_path, f7);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    expect_refused(d7, NULL, "files/s.sql': a socket, not a regular file");
    close(fd);

    /* unlisted: a file among the files, an empty folder, a file at the top */
    char *d8 = make_bundle("extra", NULL, p), *f8 = file_in(d8, "files/inc/c.sql");
    write_text(f8, "DROP TABLE eng.t;\n");
    expect_refused(d8, NULL, "unlisted file in the bundle: '");
    char *d9 = make_bundle("extra-dir", NULL, p), *f9 = file_in(d9, "files/empty");
    assert_int_equal(mkdir(f9, 0700), 0);
    expect_refused(d9, NULL, "unlisted folder in the bundle: '");
    char *d10 = make_bundle("extra-top", NULL, p), *f10 = file_in(d10, "README");
    write_text(f10, "hello\n");
    expect_refused(d10, NULL, "README' is not part of a bundle");

    /* a device, where a process may make it (not every sandbox lets it) */
    char *d12 = make_bundle("device", NULL, p), *f12 = file_in(d12, "files/inc/b.sql");
    assert_int_equal(unlink(f12), 0);
    if (mknod(f12, S_IFCHR | 0600, makedev(1, 3)) == 0)
        expect_refused(d12, NULL, "files/inc/b.sql': a character device, not a regular file");
    free(f12);
    free(d12);

    /* larger than the limit (sparse: its size is all that is looked at) */
    char *d11 = make_bundle("big", NULL, p), *f11 = file_in(d11, "files/inc/b.sql");
    int big = open(f11, O_WRONLY | O_TRUNC);
    assert_true(big >= 0);
    assert_int_equal(ftruncate(big, (off_t)BUNDLE_MAX_FILE + 1), 0);
    close(big);
    expect_refused(d11, NULL, "files/inc/b.sql': larger than");

    free(f11); free(d11); free(f10); free(d10); free(f9); free(d9); free(f8); free(d8);
    free(f7); free(d7); free(sig); free(scopy); free(f6); free(d6); free(k);
    free(pcopy); free(f5); free(d5); free(outb); free(outdir); free(f4); free(d4);
    free(outside); free(f3); free(d3); free(f2b); free(d2b); free(f2); free(d2); free(f1); free(d1);
    policy_free(p);
}

/* Rewrites dir's manifest with edit() applied to its text. */
static void edit_manifest(const char *dir, const char *from, const char *to)
{
    char *m = file_in(dir, "manifest"), *text = read_text(m);
    char *at = strstr(text, from);
    assert_non_null(at);
    char *out = xasprintf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    write_text(m, out);
    free(out);
    free(text);
    free(m);
}

static void test_bundle_manifest_cut_short(void **state)
{
    (void)state;
    policy *p = staging();
    /* the last file line gone (its file too): the chain of the rest holds, the
       statement count does not */
    char *d1 = make_bundle("cut", NULL, p), *m1 = file_in(d1, "manifest");
    char *t1 = read_text(m1), *inc = strstr(t1, "include ");
    assert_non_null(inc);
    *inc = '\0';
    write_text(m1, t1);
    char *b1 = file_in(d1, "files/inc/b.sql");
    assert_int_equal(unlink(b1), 0);
    char *incdir = file_in(d1, "files/inc");
    assert_int_equal(rmdir(incdir), 0);
    free(incdir);
    expect_refused(d1, NULL, "a.sql:2: included file 'inc/b.sql' is not one of the files "
                             "read: a file the scripts read is not in the bundle");
    /* the same with the file left: it is unlisted */
    char *d2 = make_bundle("cut-kept", NULL, p), *m2 = file_in(d2, "manifest");
    char *t2 = read_text(m2);
    *strstr(t2, "include ") = '\0';
    write_text(m2, t2);
    expect_refused(d2, NULL, "unlisted");
    /* cut to its header: an error, not an empty bundle */
    char *d3 = make_bundle("header", NULL, p), *m3 = file_in(d3, "manifest");
    char *t3 = read_text(m3);
    *strstr(t3, "file ") = '\0';
    write_text(m3, t3);
    expect_refused(d3, NULL, "the manifest lists no script");
    /* cut inside a line, or before the statements line */
    char *d4 = make_bundle("torn", NULL, p), *m4 = file_in(d4, "manifest");
    char *t4 = read_text(m4);
    t4[strlen(t4) - 1] = '\0';
    write_text(m4, t4);
    expect_refused(d4, NULL, "the manifest is cut short (its last line has no newline)");
    char *d5 = make_bundle("nostatements", NULL, p);
    edit_manifest(d5, "statements 2\n", "");
    expect_refused(d5, NULL, "no 'statements' line");
    /* a count that does not match */
    char *d6 = make_bundle("count", NULL, p);
    edit_manifest(d6, "statements 2\n", "statements 3\n");
    expect_refused(d6, NULL, "the scripts hold 2 statements, the manifest says 3");
    /* a line that is no manifest line */
    char *d7 = make_bundle("unknown", NULL, p);
    edit_manifest(d7, "verdict pass\n", "verdict pass\nrun-as-superuser yes\n");
    expect_refused(d7, NULL, "not a manifest line: 'run-as-superuser yes'");

    free(d7); free(d6); free(d5); free(t4); free(m4); free(d4); free(t3); free(m3); free(d3);
    free(t2); free(m2); free(d2); free(b1); free(t1); free(m1); free(d1);
    policy_free(p);
}

/* The text of every statement of s, one a line. */
static char *statements_of(const script *s)
{
    strbuf sb = {0};
    for (size_t i = 0; i < s->nstmts; i++)
        sb_addf(&sb, "%s\n", s->stmts[i].text);
    return sb_detach(&sb, NULL);
}

static void test_bundle_bytes_read_are_bytes_verified(void **state)
{
    (void)state;
    policy *p = staging();
    char *dir = make_bundle("swap", NULL, p), *err = NULL;
    bundle_info info;
    assert_int_equal(bundle_verify(dir, NULL, &info, &err), 0);
    assert_int_equal(info.statements, 2);
    assert_int_equal(info.policy_len, strlen(p->canonical));
    assert_memory_equal(info.policy_text, p->canonical, info.policy_len);

    /* after verification: the script renamed over, the include a symlink, the
       policy replaced */
    char *a = file_in(dir, "files/a.sql"), *b = file_in(dir, "files/inc/b.sql");
    char *evil = path_in("evil.sql"), *pol = file_in(dir, "policy");
    write_text(evil, "DROP TABLE eng.t;\n");
    char *tmp = file_in(dir, "files/a.sql.new");
    write_text(tmp, "DROP TABLE eng.a;\n\\i inc/b.sql\n\\i inc/c.sql\n");
    assert_int_equal(rename(tmp, a), 0);
    assert_int_equal(unlink(b), 0);
    assert_int_equal(symlink(evil, b), 0);
    write_text(pol, "role codex { unrestricted; }\n");

    script_options opt;
    assert_int_equal(bundle_script_options(&info, &opt), 0);
    script *s = script_read_file("a.sql", &opt);
    char *got = statements_of(s);
    assert_string_equal(got, "SELECT 1;\nSELECT 2;\n");
    assert_int_equal(s->findings.count, 0);
    free(got);
    script_free(s);
    /* a file not among them is not read from the disk either */
    s = script_read_file("inc/c.sql", &opt);
    assert_int_equal(s->nstmts, 0);
    assert_int_equal(s->findings.count, 1);
    assert_non_null(strstr(s->findings.items[0].message, "not one of the files read"));
    script_free(s);
    /* and what apply lints is the same: the checks read the verified bytes */
    lint_config cfg = {.policy = p, .pg_version = 15};
    s = lint_file_keeping(&cfg, policy_find_role(p, "codex"), "a.sql", &opt);
    got = statements_of(s);
    assert_string_equal(got, "SELECT 1;\nSELECT 2;\n");
    assert_int_equal(s->nread, info.statements);
    free(got);
    script_free(s);
    size_t n = 0;
    assert_int_equal(bundle_count_statements(&info, &n, &err), 0);
    assert_int_equal(n, 2);
    /* the policy verified is the one parsed */
    policy *again = policy_parse("policy", info.policy_text, info.policy_len, &err);
    assert_non_null(again);
    assert_string_equal(again->digest, p->digest);
    policy_free(again);
    script_options_free(&opt);
    bundle_info_free(&info);
    /* and the folder as it is now no longer verifies */
    assert_int_equal(bundle_verify(dir, NULL, &info, &err), -1);
    free(err);
    bundle_info_free(&info);
    free(tmp); free(pol); free(evil); free(b); free(a); free(dir);
    policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bundle_round_trip_and_tampering, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_bundle_refuses_what_is_not_a_regular_listed_file,
                                        tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_bundle_manifest_cut_short, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_bundle_bytes_read_are_bytes_verified,
                                        tmpdir_setup, tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
