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

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cjson/cJSON.h>

#include "base/digest.h"
#include "base/util.h"
#include "base/version.h"

#define MANIFEST "manifest"
#define SIGNATURE "manifest.sig"
#define POLICY_FILE "policy"
#define FILES_DIR "files"
#define MAX_BUNDLE_FILE ((size_t)256 << 20)

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

/*
 * Checks the signature file's text: exactly what sign_hex() writes (128 lowercase
 * hex digits and a newline), nothing else. Another spelling of the same bytes (upper
 * case, a sign, spaces, trailing bytes) is refused: the signed bundle is one byte
 * sequence, its signature too.
 */
static bool verify_hex(EVP_PKEY *k, const char *msg, size_t len, const char *hex, size_t hexlen)
{
    unsigned char sig[64];
    if (hexlen != 2 * sizeof(sig) + 1 || hex[2 * sizeof(sig)] != '\n')
        return false;
    size_t n = 0;
    for (; n < sizeof(sig); n++) {
        int hi = hex_digit(hex[2 * n]), lo = hex_digit(hex[2 * n + 1]);
        if (hi < 0 || lo < 0)
            return false;
        sig[n] = (unsigned char)(hi << 4 | lo);
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, k) == 1 &&
              EVP_DigestVerify(md, sig, n, (const unsigned char *)msg, len) == 1;
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
    sb_free(&m);
    EVP_PKEY_free(key);
    return rc;
}

/* ------------------------------------------------------------------ verify */

static char *read_in(const char *dir, const char *name, size_t *len, char **err)
{
    char *p = xasprintf("%s/%s", dir, name), *data = NULL, *rerr = NULL;
    if (read_whole_file(p, MAX_BUNDLE_FILE, &data, len, &rerr) < 0) {
        *err = rerr;
        data = NULL;
    }
    free(p);
    return data;
}

int bundle_verify(const char *dir, const char *pubkey_path, bundle_info *info, char **err)
{
    memset(info, 0, sizeof(*info));
    size_t mlen, plen;
    char *m = read_in(dir, MANIFEST, &mlen, err);
    if (!m)
        return -1;
    int rc = 0;
    char chain[65];
    memset(chain, '0', 64);
    chain[64] = '\0';
    int lineno = 0;
    char *save = NULL;
    char *copy = xstrndup(m, mlen);
    bool header = false;
    for (char *line = strtok_r(copy, "\n", &save); line && rc == 0;
         line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        char hash[65], want_chain[65];
        int off = 0;
        if (lineno == 1) {
            int fmt = 0;
            header = sscanf(line, "pgward-bundle %d", &fmt) == 1 && fmt == BUNDLE_FORMAT;
            if (!header)
                rc = fail(err, "%s/%s:1: not a pgward bundle manifest of format %d", dir,
                          MANIFEST, BUNDLE_FORMAT);
        } else if (strncmp(line, "role ", 5) == 0) {
            free(info->role);
            info->role = xstrdup(line + 5);
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
            char *rel = xasprintf("%s/%s", FILES_DIR, name);
            size_t flen;
            char *data = read_in(dir, rel, &flen, err);
            free(rel);
            if (!data) {
                rc = -1;
                break;
            }
            char got[65];
            sha256_hex_of(data, flen, got);
            free(data);
            chain_next(chain, got, name);
            if (strcmp(got, hash) != 0)
                rc = fail(err, "%s/%s:%d: '%s' was changed after bundling (sha256 %s, manifest says %s)",
                          dir, MANIFEST, lineno, name, got, hash);
            else if (strcmp(chain, want_chain) != 0)
                rc = fail(err, "%s/%s:%d: the file chain breaks at '%s': files were reordered, "
                          "removed or edited",
                          dir, MANIFEST, lineno, name);
            GROW(info->files, info->capfiles, info->nfiles + 1);
            bundle_entry *be = &info->files[info->nfiles++];
            be->path = xstrdup(name);
            memcpy(be->sha256, got, sizeof(be->sha256));
            be->included = line[0] == 'i';
        }
    }
    free(copy);
    if (rc == 0 && !header)
        rc = fail(err, "%s/%s: empty manifest", dir, MANIFEST);
    if (rc == 0) {
        char *pol = read_in(dir, POLICY_FILE, &plen, err);
        if (!pol) {
            rc = -1;
        } else {
            char got[65];
            sha256_hex_of(pol, plen, got);
            if (!info->policy_digest || strcmp(got, info->policy_digest) != 0)
                rc = fail(err, "%s/%s: the policy does not match the manifest's digest", dir,
                          POLICY_FILE);
            free(pol);
        }
    }
    size_t slen;
    char *sig = NULL;
    if (rc == 0) {
        char *ignored = NULL;
        sig = read_in(dir, SIGNATURE, &slen, &ignored);
        free(ignored);
        info->signed_ = sig != NULL;
    }
    if (rc == 0 && pubkey_path) {
        EVP_PKEY *k = read_key(pubkey_path, false, err);
        if (!k)
            rc = -1;
        else if (!sig)
            rc = fail(err, "%s: the bundle is not signed, and a public key was given", dir);
        else if (!verify_hex(k, m, mlen, sig, slen))
            rc = fail(err, "%s/%s: the signature does not verify with '%s'", dir, SIGNATURE,
                      pubkey_path);
        EVP_PKEY_free(k);
    }
    if (rc == 0)
        sha256_hex_of(m, mlen, info->manifest_sha256);
    free(sig);
    free(m);
    return rc;
}

void bundle_info_free(bundle_info *info)
{
    free(info->role);
    free(info->policy_digest);
    for (size_t i = 0; i < info->nfiles; i++)
        free(info->files[i].path);
    free(info->files);
    for (size_t i = 0; i < info->nvars; i++) {
        free(info->vars[i].name);
        free(info->vars[i].value);
    }
    free(info->vars);
    memset(info, 0, sizeof(*info));
}
