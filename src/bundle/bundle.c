/*
 * bundle.c: writing and verifying bundles, Ed25519 keys; see bundle.h.
 *
 * Manifest format (version 1), one item a line, "key value":
 *   pgward-bundle 1
 *   pgward 0.1.0
 *   created 2026-11-25T19:55:00Z
 *   role codex_staging
 *   policy <sha256 of the canonical policy text, also stored in ./policy>
 *   statements 42
 *   verdict pass
 *   var NAME "VALUE"                    (each -v the scripts were read with; the
 *                                        value a JSON string, so any byte fits)
 *   file <sha256> <chain> <path>        (a script, in run order; stored as files/<path>)
 *   include <sha256> <chain> <path>     (a file a script includes)
 * chain(0) = 64 zeros; chain(i) = sha256(chain(i-1) + " " + sha256(i) + " " + path(i)).
 */
#include "bundle/bundle.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cjson/cJSON.h>

#include "base/digest.h"
#include "base/util.h"
#include "base/version.h"

#define MANIFEST "manifest"
#define SIGNATURE "manifest.sig"
#define SIGNER_KEY "manifest.pub"
#define POLICY_FILE "policy"
#define FILES_DIR "files"

static int fail(char **err, const char *fmt, ...) PRINTF_LIKE(2, 3);

static int fail(char **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    *err = xvasprintf(fmt, ap);
    va_end(ap);
    return -1;
}

/* Bundle paths stay inside the bundle: no absolute paths, no "..", no empty parts. */
static bool safe_relative(const char *p)
{
    if (!*p || p[0] == '/')
        return false;
    for (const char *s = p; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
            return false;
        s += n + (e ? 1 : 0);
    }
    for (const char *s = p; *s; s++)
        if (*s == '\n' || *s == '\r')
            return false;
    return true;
}

/* "a/../b" style names of included files become plain relative names. */
static char *bundle_name(const char *path, size_t index)
{
    if (safe_relative(path))
        return xstrdup(path);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return xasprintf("%03zu-%s", index + 1, *base ? base : "script.sql");
}

static int mkdirs_for(const char *path, char **err)
{
    char *tmp = xstrdup(path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
            int rc = fail(err, "cannot create '%s': %s", tmp, strerror(errno));
            free(tmp);
            return rc;
        }
        *p = '/';
    }
    free(tmp);
    return 0;
}

static int write_file(const char *path, const void *data, size_t len, char **err)
{
    if (mkdirs_for(path, err) < 0)
        return -1;
    FILE *f = fopen(path, "wbx");
    if (!f)
        return fail(err, "cannot create '%s': %s", path, strerror(errno));
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fflush(f) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    return ok ? 0 : fail(err, "cannot write '%s'", path);
}

static void chain_next(char chain[65], const char *hash, const char *path)
{
    char *in = xasprintf("%s %s %s", chain, hash, path);
    sha256_hex_of(in, strlen(in), chain);
    free(in);
}

/* ------------------------------------------------------------------ keys */

static EVP_PKEY *read_key(const char *path, bool private_key, char **err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fail(err, "cannot read key '%s': %s", path, strerror(errno));
        return NULL;
    }
    EVP_PKEY *k = private_key ? PEM_read_PrivateKey(f, NULL, NULL, NULL)
                              : PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    if (!k || EVP_PKEY_id(k) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(k);
        fail(err, "'%s' is not an Ed25519 %s key in PEM form", path,
             private_key ? "private" : "public");
        return NULL;
    }
    return k;
}

/* The public key of k in PEM form (malloc'd, *len bytes), or NULL. */
static char *public_pem(EVP_PKEY *k, size_t *len)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (b && PEM_write_bio_PUBKEY(b, k) == 1) {
        char *data;
        long n = BIO_get_mem_data(b, &data);
        if (n > 0) {
            out = xmalloc((size_t)n + 1);
            memcpy(out, data, (size_t)n);
            out[n] = '\0';
            *len = (size_t)n;
        }
    }
    BIO_free(b);
    return out;
}

/* An Ed25519 public key from PEM text in memory, or NULL. */
static EVP_PKEY *parse_public_pem(const char *text, size_t len)
{
    if (len > INT_MAX)
        return NULL;
    BIO *b = BIO_new_mem_buf(text, (int)len);
    EVP_PKEY *k = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (k && EVP_PKEY_id(k) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(k);
        k = NULL;
    }
    return k;
}

int bundle_keygen(const char *path, char **err)
{
    EVP_PKEY *k = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &k) != 1) {
        EVP_PKEY_CTX_free(ctx);
        return fail(err, "cannot generate an Ed25519 key");
    }
    EVP_PKEY_CTX_free(ctx);
    char *pub = xasprintf("%s.pub", path);
    int rc = 0;
    /* the private key is created 0600 and never overwritten */
    mode_t old = umask(077);
    FILE *f = fopen(path, "wx");
    umask(old);
    if (!f) {
        rc = fail(err, "cannot create '%s': %s", path, strerror(errno));
    } else {
        if (PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) != 1)
            rc = fail(err, "cannot write '%s'", path);
        if (fclose(f) != 0 && rc == 0)
            rc = fail(err, "cannot write '%s'", path);
    }
    if (rc == 0) {
        FILE *g = fopen(pub, "wx");
        if (!g) {
            rc = fail(err, "cannot create '%s': %s", pub, strerror(errno));
        } else {
            if (PEM_write_PUBKEY(g, k) != 1)
                rc = fail(err, "cannot write '%s'", pub);
            if (fclose(g) != 0 && rc == 0)
                rc = fail(err, "cannot write '%s'", pub);
        }
    }
    free(pub);
    EVP_PKEY_free(k);
    return rc;
}

static char *sign_hex(EVP_PKEY *k, const char *msg, size_t len, char **err)
{
    unsigned char sig[64];
    size_t siglen = sizeof(sig);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || EVP_DigestSignInit(md, NULL, NULL, NULL, k) != 1 ||
        EVP_DigestSign(md, sig, &siglen, (const unsigned char *)msg, len) != 1) {
        EVP_MD_CTX_free(md);
        fail(err, "cannot sign the manifest");
        return NULL;
    }
    EVP_MD_CTX_free(md);
    strbuf sb = {0};
    for (size_t i = 0; i < siglen; i++)
        sb_addf(&sb, "%02x", sig[i]);
    sb_addc(&sb, '\n');
    return sb_detach(&sb, NULL);
}

/* The value of a lowercase hex digit, or -1. */
static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Whether sig is msg's Ed25519 signature under k. */
static bool verify_sig(EVP_PKEY *k, const char *msg, size_t len, const unsigned char sig[64])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, k) == 1 &&
              EVP_DigestVerify(md, sig, 64, (const unsigned char *)msg, len) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}

/* ------------------------------------------------------------------ write */

int bundle_write(const char *dir, const bundle_spec *spec, const char *private_key_path,
                 char **err)
{
    EVP_PKEY *key = NULL;
    if (private_key_path && !(key = read_key(private_key_path, true, err)))
        return -1;
    if (mkdir(dir, 0755) != 0) {
        EVP_PKEY_free(key);
        return fail(err, "cannot create bundle '%s': %s", dir, strerror(errno));
    }
    strbuf m = {0};
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    sb_addf(&m, "pgward-bundle %d\npgward %s\ncreated %s\nrole %s\npolicy %s\n",
            BUNDLE_FORMAT, pgward_version(), stamp, spec->role, spec->policy->digest);
    sb_addf(&m, "statements %zu\nverdict %s\n", spec->nstatements, spec->verdict);
    for (size_t i = 0; i < spec->nvars; i++) {
        cJSON *v = cJSON_CreateString(spec->vars[i].value ? spec->vars[i].value : "");
        char *json = cJSON_PrintUnformatted(v);
        sb_addf(&m, "var %s %s\n", spec->vars[i].name, json);
        cJSON_free(json);
        cJSON_Delete(v);
    }
    int rc = 0;
    char *p = xasprintf("%s/%s", dir, POLICY_FILE);
    rc = write_file(p, spec->policy->canonical, strlen(spec->policy->canonical), err);
    free(p);
    char chain[65];
    memset(chain, '0', 64);
    chain[64] = '\0';
    for (size_t i = 0; i < spec->nfiles && rc == 0; i++) {
        const bundle_file *bf = &spec->files[i];
        char *name = bundle_name(bf->path, i);
        char hash[65];
        sha256_hex_of(bf->text, bf->len, hash);
        chain_next(chain, hash, name);
        sb_addf(&m, "%s %s %s %s\n", bf->included ? "include" : "file", hash, chain, name);
        p = xasprintf("%s/%s/%s", dir, FILES_DIR, name);
        rc = write_file(p, bf->text, bf->len, err);
        free(p);
        free(name);
    }
    if (rc == 0) {
        p = xasprintf("%s/%s", dir, MANIFEST);
        rc = write_file(p, m.buf, m.len, err);
        free(p);
    }
    if (rc == 0 && key) {
        char *sig = sign_hex(key, m.buf, m.len, err);
        if (!sig) {
            rc = -1;
        } else {
            p = xasprintf("%s/%s", dir, SIGNATURE);
            rc = write_file(p, sig, strlen(sig), err);
            free(p);
            free(sig);
        }
    }
    if (rc == 0 && key) {
        /* the signer's public key, so a damaged signature shows without --pubkey */
        size_t plen = 0;
        char *pem = public_pem(key, &plen);
        if (!pem) {
            rc = fail(err, "cannot write the public key of '%s'", private_key_path);
        } else {
            p = xasprintf("%s/%s", dir, SIGNER_KEY);
            rc = write_file(p, pem, plen, err);
            free(p);
            free(pem);
        }
    }
    sb_free(&m);
    EVP_PKEY_free(key);
    return rc;
}

/* ------------------------------------------------------------------ verify */

/*
 * Every byte apply uses is read here once, into memory, and verified there; nothing
 * is read from the bundle folder again. Each file is opened relative to its
 * folder's descriptor with O_NOFOLLOW (a symbolic link is refused, not followed)
 * and O_NONBLOCK (a FIFO cannot stall the open), then must be a regular file, the
 * same one lstat saw, within the size limits of bundle.h.
 */
typedef struct bundle_reader {
    const char *dir;   /* the bundle as named, for messages */
    size_t total;      /* bytes read so far */
} bundle_reader;

/* What a file that is not a regular file is, for messages. */
static const char *kind_of(mode_t m)
{
    return S_ISLNK(m)    ? "a symbolic link"
           : S_ISFIFO(m) ? "a FIFO"
           : S_ISSOCK(m) ? "a socket"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISDIR(m)  ? "a folder"
           : S_ISREG(m)  ? "a regular file"
                         : "of an unknown kind";
}

/*
 * Reads name (one path component) in folder dfd whole: shown is its path in the
 * bundle, for messages. *absent (when given) is set instead of an error when it
 * does not exist. Returns the NUL-terminated bytes, or NULL.
 */
static char *read_at(bundle_reader *r, int dfd, const char *name, const char *shown,
                     size_t max, size_t *len, bool *absent, char **err)
{
    struct stat st, st2;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (absent && errno == ENOENT)
            *absent = true;
        else
            fail(err, "cannot read '%s/%s': %s", r->dir, shown, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        fail(err, "cannot read '%s/%s': %s, not a regular file", r->dir, shown,
             kind_of(st.st_mode));
        return NULL;
    }
    if ((size_t)st.st_size > max) {
        fail(err, "cannot read '%s/%s': larger than %zu bytes", r->dir, shown, max);
        return NULL;
    }
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        fail(err, "cannot read '%s/%s': %s", r->dir, shown,
             errno == ELOOP ? "a symbolic link, not a regular file" : strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st2) != 0 || !S_ISREG(st2.st_mode) || st2.st_ino != st.st_ino ||
        st2.st_dev != st.st_dev) {
        close(fd);
        fail(err, "cannot read '%s/%s': it was replaced while being read", r->dir, shown);
        return NULL;
    }
    char *data = NULL, *rerr = NULL, *full = xasprintf("%s/%s", r->dir, shown);
    int rc = read_whole_stream(fd, full, max, &data, len, &rerr);
    close(fd);
    free(full);
    if (rc < 0) {
        *err = rerr;
        return NULL;
    }
    r->total += *len;
    if (r->total > BUNDLE_MAX_TOTAL) {
        free(data);
        fail(err, "cannot read bundle '%s': larger than %zu bytes in all", r->dir,
             (size_t)BUNDLE_MAX_TOTAL);
        return NULL;
    }
    return data;
}

/* Opens folder name in dfd, never through a symbolic link; -1 with *err. */
static int open_folder_at(bundle_reader *r, int dfd, const char *name, const char *shown,
                          char **err)
{
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0)
        return fd;
    int e = errno;
    struct stat st;
    if ((e == ENOTDIR || e == ELOOP) && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return fail(err, "cannot read '%s/%s': %s, not a folder", r->dir, shown,
                    kind_of(st.st_mode));
    return fail(err, "cannot read '%s/%s': %s", r->dir, shown, strerror(e));
}

/* Reads files/<path> (path is safe_relative), folder by folder. */
static char *read_entry(bundle_reader *r, int files_fd, const char *path, size_t *len,
                        char **err)
{
    int d = files_fd;
    char *data = NULL;
    const char *p = path;
    for (const char *slash; (slash = strchr(p, '/')) != NULL; p = slash + 1) {
        char *part = xstrndup(p, (size_t)(slash - p));
        char *shown = xasprintf("%s/%.*s", FILES_DIR, (int)(slash - path), path);
        int nd = open_folder_at(r, d, part, shown, err);
        free(part);
        free(shown);
        if (d != files_fd)
            close(d);
        if (nd < 0)
            return NULL;
        d = nd;
    }
    char *shown = xasprintf("%s/%s", FILES_DIR, path);
    data = read_at(r, d, p, shown, BUNDLE_MAX_FILE, len, NULL, err);
    free(shown);
    if (d != files_fd)
        close(d);
    return data;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Whether the sorted names hold name (a file) or a name below name/ (a folder). */
static bool listed(char **names, size_t n, const char *name, bool folder)
{
    if (!folder)
        return n > 0 && bsearch(&name, names, n, sizeof(*names), cmp_str) != NULL;
    size_t lo = 0, hi = n, k = strlen(name);
    char *prefix = xasprintf("%s/", name);
    while (lo < hi) { /* the first name not below prefix in sort order */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(names[mid], prefix) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    bool hit = lo < n && strncmp(names[lo], prefix, k + 1) == 0;
    free(prefix);
    return hit;
}

/*
 * Every entry of folder files/<rel> (rel "" for files/ itself) must be a folder
 * or a regular file the manifest lists: anything else in a bundle is refused, so
 * what was verified is all there is.
 */
static int check_unlisted(bundle_reader *r, int dfd, const char *rel, char **names, size_t n,
                          int depth, char **err)
{
    if (depth > BUNDLE_MAX_DEPTH)
        return fail(err, "cannot read '%s/%s/%s': folders nested deeper than %d", r->dir,
                    FILES_DIR, rel, BUNDLE_MAX_DEPTH);
    int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return fail(err, "cannot list '%s/%s/%s': %s", r->dir, FILES_DIR, rel, strerror(errno));
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *name = *rel ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            rc = fail(err, "cannot read '%s/%s/%s': %s", r->dir, FILES_DIR, name,
                      strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            if (!listed(names, n, name, true)) {
                rc = fail(err, "unlisted folder in the bundle: '%s/%s/%s' is not in the "
                               "manifest",
                          r->dir, FILES_DIR, name);
            } else {
                char *shown = xasprintf("%s/%s", FILES_DIR, name);
                int sub = open_folder_at(r, dirfd(d), e->d_name, shown, err);
                free(shown);
                if (sub < 0)
                    rc = -1;
                else {
                    rc = check_unlisted(r, sub, name, names, n, depth + 1, err);
                    close(sub);
                }
            }
        } else if (!S_ISREG(st.st_mode)) {
            rc = fail(err, "cannot read '%s/%s/%s': %s, not a regular file", r->dir,
                      FILES_DIR, name, kind_of(st.st_mode));
        } else if (!listed(names, n, name, false)) {
            rc = fail(err, "unlisted file in the bundle: '%s/%s/%s' is not in the manifest",
                      r->dir, FILES_DIR, name);
        }
        free(name);
    }
    closedir(d);
    return rc;
}

/* The bundle's own top level: the manifest, its signature, the policy, files/. */
static int check_top_level(bundle_reader *r, int dfd, char **err)
{
    int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return fail(err, "cannot list bundle '%s': %s", r->dir, strerror(errno));
    }
    static const char *const known[] = {MANIFEST, SIGNATURE, SIGNER_KEY, POLICY_FILE,
                                        FILES_DIR, APPROVALS_DIR};
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        bool ok = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
        for (size_t i = 0; i < ARRAY_SIZE(known) && !ok; i++)
            ok = strcmp(e->d_name, known[i]) == 0;
        if (!ok)
            rc = fail(err, "unlisted file in the bundle: '%s/%s' is not part of a bundle",
                      r->dir, e->d_name);
    }
    closedir(d);
    return rc;
}

/* Reads the signature file's text into sig: exactly what sign_hex() writes. */
static bool parse_sig_hex(const char *hex, size_t hexlen, unsigned char sig[64])
{
    if (hexlen != 2 * 64 + 1 || hex[2 * 64] != '\n')
        return false;
    for (size_t n = 0; n < 64; n++) {
        int hi = hex_digit(hex[2 * n]), lo = hex_digit(hex[2 * n + 1]);
        if (hi < 0 || lo < 0)
            return false;
        sig[n] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

static void drop_statement(void *ctx, script *s, const statement *st)
{
    (void)ctx;
    (void)s;
    (void)st;
}

int bundle_script_options(const bundle_info *info, script_options *opt)
{
    *opt = script_options_default();
    opt->files = info->set;
    opt->nfiles = info->nset;
    int rc = 0;
    for (size_t i = 0; i < info->nvars; i++)
        if (script_set_var(opt, info->vars[i].name, info->vars[i].value) < 0)
            rc = -1;
    return rc;
}

int bundle_count_statements(const bundle_info *info, size_t *count, char **err)
{
    script_options opt;
    if (bundle_script_options(info, &opt) < 0) {
        script_options_free(&opt);
        return fail(err, "the manifest sets an invalid variable name");
    }
    /* statements are counted, not kept: any size is read in bounded memory */
    script_sink sink = {.statement = drop_statement};
    opt.sink = &sink;
    *count = 0;
    for (size_t i = 0; i < info->nfiles; i++) {
        if (info->files[i].included)
            continue;
        script *s = script_read_file(info->files[i].path, &opt);
        *count += s->nread;
        /* bundling refuses an include it cannot read: here one means a file is
           missing from the bundle, and says which */
        int rc = 0;
        for (size_t k = 0; k < s->findings.count && rc == 0; k++) {
            const finding *f = &s->findings.items[k];
            if (f->severity == SEV_ERROR &&
                (f->rule == RULE_INCLUDE_ERROR || f->rule == RULE_INPUT_ERROR))
                rc = fail(err, "%s:%d: %s: a file the scripts read is not in the bundle",
                          f->file, f->line, f->message);
        }
        script_free(s);
        if (rc < 0) {
            script_options_free(&opt);
            return -1;
        }
    }
    script_options_free(&opt);
    return 0;
}

/* The manifest's lines; the files it names are read afterwards. */
static int parse_manifest(const char *dir, const char *m, size_t mlen, bundle_info *info,
                          char ***chains, char **err)
{
    if (mlen == 0)
        return fail(err, "%s/%s: empty manifest", dir, MANIFEST);
    if (memchr(m, '\0', mlen))
        return fail(err, "%s/%s: a NUL byte in the manifest", dir, MANIFEST);
    if (m[mlen - 1] != '\n')
        return fail(err, "%s/%s: the manifest is cut short (its last line has no newline)",
                    dir, MANIFEST);
    int rc = 0, lineno = 0;
    bool have_statements = false, have_verdict = false;
    size_t capchains = 0;
    char *copy = xstrndup(m, mlen), *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line && rc == 0;
         line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        char hash[65], want_chain[65];
        int off = 0;
        if (lineno == 1) {
            int fmt = 0, end = 0;
            if (sscanf(line, "pgward-bundle %d%n", &fmt, &end) != 1 || fmt != BUNDLE_FORMAT ||
                line[end] != '\0')
                rc = fail(err, "%s/%s:1: not a pgward bundle manifest of format %d", dir,
                          MANIFEST, BUNDLE_FORMAT);
        } else if (strncmp(line, "pgward ", 7) == 0 || strncmp(line, "created ", 8) == 0) {
            /* what wrote it and when: for people */
        } else if (strncmp(line, "verdict ", 8) == 0) {
            have_verdict = true;
        } else if (strncmp(line, "role ", 5) == 0) {
            free(info->role);
            info->role = xstrdup(line + 5);
        } else if (strncmp(line, "statements ", 11) == 0) {
            const char *v = line + 11;
            char *end = NULL;
            errno = 0;
            unsigned long long n = strtoull(v, &end, 10);
            if (have_statements || *v < '0' || *v > '9' || *end || errno == ERANGE)
                rc = fail(err, "%s/%s:%d: expected one 'statements N'", dir, MANIFEST, lineno);
            info->statements = (size_t)n;
            have_statements = true;
        } else if (strncmp(line, "var ", 4) == 0) {
            const char *name = line + 4, *sp = strchr(name, ' ');
            cJSON *v = sp ? cJSON_Parse(sp + 1) : NULL;
            char *vname = sp ? xstrndup(name, (size_t)(sp - name)) : NULL;
            if (!cJSON_IsString(v) || !vname || !*vname) {
                rc = fail(err, "%s/%s:%d: expected 'var NAME \"VALUE\"'", dir, MANIFEST,
                          lineno);
            } else {
                GROW(info->vars, info->capvars, info->nvars + 1);
                info->vars[info->nvars].name = vname;
                info->vars[info->nvars++].value = xstrdup(v->valuestring);
                vname = NULL;
            }
            free(vname);
            cJSON_Delete(v);
        } else if (strncmp(line, "policy ", 7) == 0) {
            free(info->policy_digest);
            info->policy_digest = xstrdup(line + 7);
        } else if ((sscanf(line, "file %64s %64s %n", hash, want_chain, &off) == 2 ||
                    sscanf(line, "include %64s %64s %n", hash, want_chain, &off) == 2) &&
                   off > 0) {
            const char *name = line + off;
            if (!safe_relative(name)) {
                rc = fail(err, "%s/%s:%d: file name '%s' leaves the bundle", dir, MANIFEST,
                          lineno, name);
                break;
            }
            GROW(info->files, info->capfiles, info->nfiles + 1);
            GROW(*chains, capchains, info->nfiles + 1);
            bundle_entry *be = &info->files[info->nfiles];
            memset(be, 0, sizeof(*be));
            be->path = xstrdup(name);
            memcpy(be->sha256, hash, sizeof(be->sha256));
            be->included = line[0] == 'i';
            be->line = lineno;
            (*chains)[info->nfiles++] = xstrdup(want_chain);
        } else {
            rc = fail(err, "%s/%s:%d: not a manifest line: '%.40s'", dir, MANIFEST, lineno,
                      line);
        }
    }
    free(copy);
    if (rc == 0 && (!have_statements || !have_verdict || !info->role || !info->policy_digest))
        rc = fail(err, "%s/%s: the manifest is cut short: no '%s' line", dir, MANIFEST,
                  !info->role ? "role" : !info->policy_digest ? "policy"
                  : !have_statements ? "statements" : "verdict");
    bool any_script = false;
    for (size_t i = 0; i < info->nfiles; i++)
        any_script |= !info->files[i].included;
    if (rc == 0 && !any_script)
        rc = fail(err, "%s/%s: the manifest lists no script: cut short, or not a bundle",
                  dir, MANIFEST);
    return rc;
}

/* The files the manifest lists, read once: hashes and the chain. */
static int read_files(bundle_reader *r, int dfd, bundle_info *info, char **chains, char **err)
{
    int files_fd = open_folder_at(r, dfd, FILES_DIR, FILES_DIR, err);
    if (files_fd < 0)
        return -1;
    char chain[65];
    memset(chain, '0', 64);
    chain[64] = '\0';
    int rc = 0;
    for (size_t i = 0; i < info->nfiles && rc == 0; i++) {
        bundle_entry *be = &info->files[i];
        be->text = read_entry(r, files_fd, be->path, &be->len, err);
        if (!be->text) {
            rc = -1;
            break;
        }
        char got[65];
        sha256_hex_of(be->text, be->len, got);
        chain_next(chain, got, be->path);
        if (strcmp(got, be->sha256) != 0)
            rc = fail(err, "%s/%s:%d: '%s' was changed after bundling (sha256 %s, manifest says %s)",
                      r->dir, MANIFEST, be->line, be->path, got, be->sha256);
        else if (strcmp(chain, chains[i]) != 0)
            rc = fail(err, "%s/%s:%d: the file chain breaks at '%s': files were reordered, "
                      "removed or edited",
                      r->dir, MANIFEST, be->line, be->path);
    }
    char **names = xcalloc(info->nfiles + 1, sizeof(char *));
    for (size_t i = 0; i < info->nfiles; i++)
        names[i] = info->files[i].path;
    if (info->nfiles > 0)
        qsort(names, info->nfiles, sizeof(char *), cmp_str);
    if (rc == 0)
        rc = check_unlisted(r, files_fd, "", names, info->nfiles, 0, err);
    free(names);
    close(files_fd);
    /* one path, one content: the script reader finds a file by its path */
    for (size_t i = 0; i < info->nfiles && rc == 0; i++) {
        GROW(info->set, info->capset, info->nset + 1);
        bool dup = false;
        for (size_t k = 0; k < info->nset && !dup; k++)
            dup = strcmp(info->set[k].path, info->files[i].path) == 0;
        if (!dup)
            info->set[info->nset++] = (script_file){.path = info->files[i].path,
                                                    .text = info->files[i].text,
                                                    .len = info->files[i].len};
    }
    return rc;
}

static int cmp_approval_file(const void *a, const void *b)
{
    return strcmp(((const approval_file *)a)->name, ((const approval_file *)b)->name);
}

/*
 * approvals/, when there: every entry a regular file NAME.json (read like the rest,
 * never through a link), at most APPROVAL_MAX_FILES of them. What they say is judged
 * later (approvals_judge): a bad approval does not count, it does not make the
 * bundle's own bytes wrong.
 */
static int read_approvals(bundle_reader *r, int dfd, bundle_info *info, char **err)
{
    struct stat st;
    if (fstatat(dfd, APPROVALS_DIR, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
        return 0;
    int fd = open_folder_at(r, dfd, APPROVALS_DIR, APPROVALS_DIR, err);
    if (fd < 0)
        return -1;
    int dup_fd = dup(fd);
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    if (!d) {
        if (dup_fd >= 0)
            close(dup_fd);
        close(fd);
        return fail(err, "cannot read '%s/%s': %s", r->dir, APPROVALS_DIR, strerror(errno));
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *shown = xasprintf("%s/%s", APPROVALS_DIR, e->d_name);
        if (!str_ends_with(e->d_name, ".json") || strlen(e->d_name) <= 5) {
            rc = fail(err, "unlisted file in the bundle: '%s/%s' is not an approval (NAME.json)",
                      r->dir, shown);
        } else if (info->napprovals >= APPROVAL_MAX_FILES) {
            rc = fail(err, "cannot read '%s/%s': more than %d approvals", r->dir,
                      APPROVALS_DIR, APPROVAL_MAX_FILES);
        } else {
            size_t len = 0;
            char *text = read_at(r, fd, e->d_name, shown, APPROVAL_MAX_SIZE, &len, NULL, err);
            if (!text) {
                rc = -1;
            } else {
                GROW(info->approvals, info->capapprovals, info->napprovals + 1);
                info->approvals[info->napprovals++] =
                    (approval_file){.name = xstrdup(e->d_name), .text = text, .len = len};
            }
        }
        free(shown);
    }
    closedir(d);
    close(fd);
    if (info->napprovals > 1)
        qsort(info->approvals, info->napprovals, sizeof(approval_file), cmp_approval_file);
    return rc;
}

static int verify(const char *dir, const char *pubkey_path, bool count, bundle_info *info,
                  char **err)
{
    memset(info, 0, sizeof(*info));
    bundle_reader r = {.dir = dir};
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
    if (dfd < 0)
        return fail(err, "cannot read bundle '%s': %s", dir, strerror(errno));
    size_t mlen = 0, slen = 0;
    char *m = read_at(&r, dfd, MANIFEST, MANIFEST, BUNDLE_MAX_MANIFEST, &mlen, NULL, err);
    char *sig = NULL, **chains = NULL;
    int rc = m ? 0 : -1;
    if (rc == 0)
        rc = parse_manifest(dir, m, mlen, info, &chains, err);
    if (rc == 0)
        rc = check_top_level(&r, dfd, err);
    if (rc == 0) {
        info->policy_text = read_at(&r, dfd, POLICY_FILE, POLICY_FILE, BUNDLE_MAX_FILE,
                                    &info->policy_len, NULL, err);
        if (!info->policy_text) {
            rc = -1;
        } else {
            char got[65];
            sha256_hex_of(info->policy_text, info->policy_len, got);
            if (strcmp(got, info->policy_digest) != 0)
                rc = fail(err, "%s/%s: the policy does not match the manifest's digest", dir,
                          POLICY_FILE);
        }
    }
    if (rc == 0)
        rc = read_files(&r, dfd, info, chains, err);
    if (rc == 0)
        rc = read_approvals(&r, dfd, info, err);
    unsigned char sigbytes[64];
    if (rc == 0) {
        bool absent = false;
        sig = read_at(&r, dfd, SIGNATURE, SIGNATURE, 4096, &slen, &absent, err);
        if (!sig && !absent)
            rc = -1;
        info->signed_ = sig != NULL;
        /* without a key the signature cannot be checked, but it must be one */
        if (sig && !parse_sig_hex(sig, slen, sigbytes))
            rc = fail(err, "%s/%s: not a signature: expected 128 lowercase hex digits and a "
                           "newline",
                      dir, SIGNATURE);
    }
    size_t klen = 0;
    char *signer = NULL;
    if (rc == 0) {
        bool absent = false;
        signer = read_at(&r, dfd, SIGNER_KEY, SIGNER_KEY, 4096, &klen, &absent, err);
        if (!signer && !absent)
            rc = -1;
        else if (signer && !sig)
            rc = fail(err, "%s/%s: a signer's key without a signature (%s is missing)", dir,
                      SIGNER_KEY, SIGNATURE);
    }
    if (rc == 0 && pubkey_path) {
        EVP_PKEY *k = read_key(pubkey_path, false, err);
        if (!k)
            rc = -1;
        else if (!sig)
            rc = fail(err, "%s: the bundle is not signed, and a public key was given", dir);
        else if (!verify_sig(k, m, mlen, sigbytes))
            rc = fail(err, "%s/%s: the signature does not verify with '%s'", dir, SIGNATURE,
                      pubkey_path);
        EVP_PKEY_free(k);
    } else if (rc == 0 && sig) {
        /* no key given: the signature is checked with the key the bundle carries. That
           catches damage, not an attacker, who can re-sign with a key of their own */
        EVP_PKEY *k = signer ? parse_public_pem(signer, klen) : NULL;
        if (!signer)
            rc = fail(err, "%s/%s: cannot be checked: the bundle carries no signer's key (%s); "
                           "give --pubkey",
                      dir, SIGNATURE, SIGNER_KEY);
        else if (!k)
            rc = fail(err, "%s/%s: not an Ed25519 public key in PEM form", dir, SIGNER_KEY);
        else if (!verify_sig(k, m, mlen, sigbytes))
            rc = fail(err, "%s/%s: the signature does not verify with the bundle's own signer's "
                           "key: the manifest or its signature was changed",
                      dir, SIGNATURE);
        EVP_PKEY_free(k);
    }
    free(signer);
    size_t counted = info->statements;
    if (rc == 0 && count)
        rc = bundle_count_statements(info, &counted, err);
    if (rc == 0 && counted != info->statements)
        rc = fail(err, "%s/%s: the scripts hold %zu statement%s, the manifest says %zu: "
                       "files were removed or edited",
                  dir, MANIFEST, counted, counted == 1 ? "" : "s", info->statements);
    if (rc == 0)
        sha256_hex_of(m, mlen, info->manifest_sha256);
    for (size_t i = 0; chains && i < info->nfiles; i++)
        free(chains[i]);
    free(chains);
    free(sig);
    free(m);
    close(dfd);
    return rc;
}

int bundle_verify(const char *dir, const char *pubkey_path, bundle_info *info, char **err)
{
    return verify(dir, pubkey_path, true, info, err);
}

int bundle_check_present(const char *dir, char **err)
{
    char *manifest = xasprintf("%s/manifest", dir);
    struct stat st;
    int rc = 0;
    if (lstat(manifest, &st) != 0) {
        *err = xasprintf("cannot read '%s': %s", manifest, strerror(errno));
        rc = -1;
    }
    free(manifest);
    return rc;
}

int bundle_verify_bytes(const char *dir, const char *pubkey_path, bundle_info *info, char **err)
{
    return verify(dir, pubkey_path, false, info, err);
}

void bundle_info_free(bundle_info *info)
{
    free(info->role);
    free(info->policy_digest);
    free(info->policy_text);
    free(info->set);
    for (size_t i = 0; i < info->nfiles; i++) {
        free(info->files[i].path);
        free(info->files[i].text);
    }
    free(info->files);
    for (size_t i = 0; i < info->nvars; i++) {
        free(info->vars[i].name);
        free(info->vars[i].value);
    }
    free(info->vars);
    for (size_t i = 0; i < info->napprovals; i++) {
        free(info->approvals[i].name);
        free(info->approvals[i].text);
    }
    free(info->approvals);
    memset(info, 0, sizeof(*info));
}
