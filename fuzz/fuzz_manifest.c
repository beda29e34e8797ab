/*
 * fuzz_manifest.c: libFuzzer target for bundle verification (bundle.c): the
 * manifest reader and the file handling behind it.
 *
 * The input builds a bundle folder of its own (a fresh private temporary folder
 * per input, removed after): the bytes before the first NUL are the manifest; each
 * NUL-separated record after it adds an entry, its first byte choosing what (a
 * regular file, a symbolic link, a FIFO, a folder, an unlisted top-level file, a
 * file over the size limit, the policy, the signature, a public key to check it
 * with), the rest "name\ncontent". Without records the bundle holds files/a.sql
 * and a policy, as the seeds of plain manifests expect. The seeds `NN_*.bundle`
 * are bundles whose hashes, chain and count are right, so the fuzzer starts from
 * the paths past them.
 *
 * Any input must be accepted or refused with a message, never crash or hang (a
 * FIFO is never waited on), and never read outside the bundle. A bundle accepted
 * holds no symbolic link, FIFO or oversized file and nothing unlisted at its top,
 * and the bytes it hands on are the files' bytes. FUZZ_MANIFEST_VERBOSE=1 prints
 * what each input led to.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "bundle/bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char base[64];  /* a private folder for the whole run */
static char *pubkey;   /* an Ed25519 public key in it */

static void fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_manifest: invariant violated: %s\n%s\n", what, detail ? detail : "");
    abort();
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP ? rmdir(path) : unlink(path)) { /* a leftover is harmless */
    }
    return 0;
}

static void remove_tree(const char *dir)
{
    nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void cleanup(void)
{
    remove_tree(base);
}

static void prepare(void)
{
    strcpy(base, "/tmp/pgward-fuzz-manifest-XXXXXX");
    if (!mkdtemp(base))
        abort();
    char *key = xasprintf("%s/key", base), *err = NULL;
    if (bundle_keygen(key, &err) < 0)
        fuzz_fail("cannot make a key", err);
    pubkey = xasprintf("%s.pub", key);
    free(key);
    atexit(cleanup);
}

static bool put(const char *path, const void *text, size_t len)
{
    FILE *f = fopen(path, "wbx");
    if (!f)
        return false;
    bool ok = fwrite(text, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

/* A record's name: relative, no "." or ".." parts, at most 6 parts of 40 bytes. */
static bool name_ok(const char *name)
{
    if (!*name || name[0] == '/' || strlen(name) > 120)
        return false;
    int parts = 0;
    for (const char *s = name; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 0 || n > 40 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
            return false;
        parts++;
        s += n + (e ? 1 : 0);
    }
    return parts <= 6;
}

/* Makes the folders above path (inside the bundle). */
static void parents(const char *path)
{
    char *tmp = xstrdup(path);
    for (char *p = tmp + strlen(base) + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST) { /* the entry then fails too */
        }
        *p = '/';
    }
    free(tmp);
}

enum { REGULAR, SYMLINK, FIFO, FOLDER, TOP_EXTRA, OVERSIZED, POLICY, SIGNATURE, PUBKEY, NKINDS };

typedef struct built {
    bool hostile;     /* a symlink, FIFO, oversized or unlisted top-level entry exists */
    bool use_pubkey;
} built;

/* Adds one record's entry to the bundle at dir. */
static void add_record(const char *dir, const uint8_t *rec, size_t len, built *b)
{
    if (len == 0)
        return;
    int kind = rec[0] % NKINDS;
    const char *body = (const char *)rec + 1;
    size_t blen = len - 1;
    const char *nl = memchr(body, '\n', blen);
    char *name = nl ? xstrndup(body, (size_t)(nl - body)) : xstrndup(body, blen);
    const char *content = nl ? nl + 1 : body + blen;
    size_t clen = nl ? blen - (size_t)(nl - body) - 1 : 0;
    char *path = NULL;
    if (kind == POLICY || kind == SIGNATURE) {
        path = xasprintf("%s/%s", dir, kind == POLICY ? "policy" : "manifest.sig");
        unlink(path);
        if (*name == 'l') { /* the name line "l": a symbolic link to the content */
            char *target = xstrndup(content, clen);
            if (symlink(target, path) == 0)
                b->hostile = true;
            free(target);
        } else {
            put(path, content, clen);
        }
    } else if (kind == PUBKEY) {
        b->use_pubkey = true;
    } else if (kind == TOP_EXTRA) {
        if (name_ok(name) && !strchr(name, '/') && strcmp(name, "manifest") &&
            strcmp(name, "policy") && strcmp(name, "files") && strcmp(name, "manifest.sig")) {
            path = xasprintf("%s/%s", dir, name);
            if (put(path, content, clen))
                b->hostile = true;
        }
    } else if (name_ok(name)) {
        path = xasprintf("%s/files/%s", dir, name);
        parents(path);
        if (kind == REGULAR) {
            put(path, content, clen);
        } else if (kind == SYMLINK) {
            char *target = xstrndup(content, clen);
            if (symlink(*target ? target : "../policy", path) == 0)
                b->hostile = true;
            free(target);
        } else if (kind == FIFO) {
            if (mkfifo(path, 0600) == 0)
                b->hostile = true;
        } else if (kind == FOLDER) {
            if (mkdir(path, 0700) != 0) { /* it may exist: nothing to add */
            }
        } else if (kind == OVERSIZED) {
            /* sparse: costs nothing, yet its size is over the limit */
            int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
            if (fd >= 0) {
                if (ftruncate(fd, (off_t)BUNDLE_MAX_FILE + 1 + (off_t)clen) == 0)
                    b->hostile = true;
                close(fd);
            }
        }
    }
    free(path);
    free(name);
}

/* Reads a file the ordinary way, for the invariant on accepted bundles. */
static char *slurp(const char *path, size_t *len)
{
    char *out = NULL, *err = NULL;
    if (read_whole_file(path, BUNDLE_MAX_FILE, &out, len, &err) < 0) {
        free(err);
        return NULL;
    }
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!base[0])
        prepare();
    char *dir = xasprintf("%s/b-XXXXXX", base);
    if (!mkdtemp(dir))
        abort();
    char *files = xasprintf("%s/files", dir);
    mkdir(files, 0700);
    free(files);
    const uint8_t *nul = memchr(data, 0, size);
    size_t mlen = nul ? (size_t)(nul - data) : size;
    char *p = xasprintf("%s/manifest", dir);
    put(p, data, mlen);
    free(p);
    built b = {0};
    if (!nul) {
        p = xasprintf("%s/files/a.sql", dir);
        put(p, "SELECT 1;\n", 10);
        free(p);
        p = xasprintf("%s/policy", dir);
        put(p, "role r {\n    unrestricted;\n}\n", 29);
        free(p);
    } else {
        const uint8_t *rec = nul + 1, *end = data + size;
        while (rec < end) {
            const uint8_t *next = memchr(rec, 0, (size_t)(end - rec));
            size_t n = next ? (size_t)(next - rec) : (size_t)(end - rec);
            add_record(dir, rec, n, &b);
            rec += n + 1;
        }
    }
    bundle_info info;
    char *err = NULL;
    int rc = bundle_verify(dir, b.use_pubkey ? pubkey : NULL, &info, &err);
    if (rc < 0 && !err)
        fuzz_fail("a refusal without a message", NULL);
    if (getenv("FUZZ_MANIFEST_VERBOSE")) /* what each seed reaches */
        fprintf(stderr, "%s\n", rc == 0 ? "verified" : err);
    if (rc == 0 && b.hostile)
        fuzz_fail("a bundle with a link, FIFO, oversized or unlisted entry accepted", dir);
    if (rc == 0 && b.use_pubkey)
        fuzz_fail("a signature forged by the fuzzer verified", dir);
    for (size_t i = 0; rc == 0 && i < info.nfiles; i++) {
        /* what verification hands on is what the files hold */
        char *fp = xasprintf("%s/files/%s", dir, info.files[i].path);
        size_t len = 0;
        char *disk = slurp(fp, &len);
        if (!disk || len != info.files[i].len || memcmp(disk, info.files[i].text, len) != 0)
            fuzz_fail("the bytes verified are not the file's bytes", fp);
        free(disk);
        free(fp);
    }
    free(err);
    bundle_info_free(&info);
    remove_tree(dir);
    free(dir);
    return 0;
}
