/*
 * approval.c: making, parsing and checking sign-offs on a bundle; see approval.h.
 */
#include "bundle/approval.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cjson/cJSON.h>

#include "base/text.h"
#include "base/util.h"

static int fail(char **err, const char *fmt, ...) PRINTF_LIKE(2, 3);

static int fail(char **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    *err = xvasprintf(fmt, ap);
    va_end(ap);
    return -1;
}

bool approval_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64 || name[0] == '.' || name[0] == '-')
        return false;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '.' || *c == '-'))
            return false;
    return true;
}

/* ------------------------------------------------------------------ keys */

/* The base64 SPKI form of k (out holds APPROVAL_KEY_LEN + 1): 0, or -1. */
static int key_text(EVP_PKEY *k, char out[APPROVAL_KEY_LEN + 1])
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(k, &der);
    int rc = -1;
    if (n == 44 && EVP_EncodeBlock((unsigned char *)out, der, n) == APPROVAL_KEY_LEN)
        rc = 0;
    OPENSSL_free(der);
    return rc;
}

/* The Ed25519 public key of its base64 SPKI form, or NULL. */
static EVP_PKEY *key_of_text(const char *text)
{
    if (strlen(text) != APPROVAL_KEY_LEN)
        return NULL;
    unsigned char der[APPROVAL_KEY_LEN];
    int n = EVP_DecodeBlock(der, (const unsigned char *)text, APPROVAL_KEY_LEN);
    if (n < 2 || text[APPROVAL_KEY_LEN - 1] != '=' || text[APPROVAL_KEY_LEN - 2] == '=')
        return NULL;
    n--; /* one '=' of padding: EVP_DecodeBlock counts it as a byte */
    const unsigned char *p = der;
    EVP_PKEY *k = d2i_PUBKEY(NULL, &p, n);
    if (!k || p != der + n || EVP_PKEY_id(k) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(k);
        return NULL;
    }
    /* one text, one key: a non-canonical encoding of the same key is refused */
    char again[APPROVAL_KEY_LEN + 1];
    if (key_text(k, again) < 0 || strcmp(again, text) != 0) {
        EVP_PKEY_free(k);
        return NULL;
    }
    return k;
}

bool approval_key_ok(const char *text)
{
    EVP_PKEY *k = key_of_text(text);
    EVP_PKEY_free(k);
    return k != NULL;
}

int approval_key_from_pem(const char *pem, size_t len, char out[APPROVAL_KEY_LEN + 1])
{
    if (len > INT_MAX)
        return -1;
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *k = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    int rc = k && EVP_PKEY_id(k) == EVP_PKEY_ED25519 ? key_text(k, out) : -1;
    EVP_PKEY_free(k);
    return rc;
}

/* ------------------------------------------------------------------ encoding */

char *approval_message(const approval *a)
{
    cJSON *note = cJSON_CreateString(a->note ? a->note : "");
    char *json = cJSON_PrintUnformatted(note);
    char *m = xasprintf("pgward-approval %d\nbundle %s\napprover %s\ntime %s\nnote %s\nkey %s\n",
                        APPROVAL_FORMAT, a->bundle, a->approver, a->time, json, a->key);
    cJSON_free(json);
    cJSON_Delete(note);
    return m;
}

static bool is_hex(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* the audit trail stores the note as text: valid UTF-8, as PostgreSQL wants it */
static bool utf8_ok(const char *s)
{
    for (size_t n; *s; s += n)
        if ((n = text_utf8_len(s)) == 0)
            return false;
    return true;
}

/* YYYY-MM-DDTHH:MM:SSZ, digits where digits go */
static bool is_time(const char *s)
{
    static const char shape[] = "0000-00-00T00:00:00Z";
    if (strlen(s) != sizeof(shape) - 1)
        return false;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == '0' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
            return false;
    return true;
}

int approval_make(const char *bundle_digest, const char *name, const char *note,
                  const char *key_path, time_t now, char **json, char **err)
{
    if (!approval_name_ok(name))
        return fail(err, "invalid approver name '%s': use 1-64 letters, digits, '_', '.' or "
                         "'-', not starting with '.' or '-'",
                    name);
    if (strlen(note) > APPROVAL_MAX_NOTE)
        return fail(err, "the note is longer than %d bytes", APPROVAL_MAX_NOTE);
    if (!utf8_ok(note))
        return fail(err, "the note is not UTF-8 text");
    FILE *f = fopen(key_path, "r");
    if (!f)
        return fail(err, "cannot read key '%s': %s", key_path, strerror(errno));
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!k || EVP_PKEY_id(k) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(k);
        return fail(err, "'%s' is not an Ed25519 private key in PEM form", key_path);
    }
    char stamp[32];
    struct tm tm;
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    approval a = {.approver = (char *)name, .bundle = (char *)bundle_digest, .time = stamp,
                  .note = (char *)note};
    int rc = key_text(k, a.key);
    char *msg = approval_message(&a);
    size_t siglen = sizeof(a.sig);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (rc < 0 || !md || EVP_DigestSignInit(md, NULL, NULL, NULL, k) != 1 ||
        EVP_DigestSign(md, a.sig, &siglen, (const unsigned char *)msg, strlen(msg)) != 1 ||
        siglen != sizeof(a.sig))
        rc = fail(err, "cannot sign the approval with '%s'", key_path);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    free(msg);
    if (rc < 0)
        return -1;
    char hex[129];
    for (size_t i = 0; i < sizeof(a.sig); i++)
        snprintf(hex + 2 * i, 3, "%02x", a.sig[i]);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "format", APPROVAL_FORMAT);
    cJSON_AddStringToObject(o, "bundle", a.bundle);
    cJSON_AddStringToObject(o, "approver", a.approver);
    cJSON_AddStringToObject(o, "time", a.time);
    cJSON_AddStringToObject(o, "note", a.note);
    cJSON_AddStringToObject(o, "key", a.key);
    cJSON_AddStringToObject(o, "signature", hex);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    *json = xasprintf("%s\n", text);
    cJSON_free(text);
    return 0;
}

/* The string member name of o, or NULL. */
static const char *member(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int approval_parse(const char *text, size_t len, const char *shown, approval *a, char **err)
{
    memset(a, 0, sizeof(*a));
    if (len > APPROVAL_MAX_SIZE)
        return fail(err, "%s: larger than %zu bytes", shown, APPROVAL_MAX_SIZE);
    if (memchr(text, '\0', len))
        return fail(err, "%s: a NUL byte in the approval", shown);
    const char *end = NULL;
    cJSON *o = cJSON_ParseWithLengthOpts(text, len, &end, false);
    int rc = 0;
    if (!o || !cJSON_IsObject(o)) {
        rc = fail(err, "%s: not an approval: expected one JSON object", shown);
        cJSON_Delete(o);
        return rc;
    }
    for (; end < text + len && rc == 0; end++)
        if (*end != ' ' && *end != '\n' && *end != '\t' && *end != '\r')
            rc = fail(err, "%s: text after the approval's JSON object", shown);
    static const char *const names[] = {"format", "bundle", "approver", "time",
                                        "note",   "key",    "signature"};
    int count = cJSON_GetArraySize(o);
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(o, "format");
    const char *bundle = member(o, "bundle"), *approver = member(o, "approver"),
               *time = member(o, "time"), *note = member(o, "note"), *key = member(o, "key"),
               *sig = member(o, "signature");
    if (rc == 0 && count != (int)ARRAY_SIZE(names))
        rc = fail(err, "%s: an approval has exactly the members format, bundle, approver, "
                       "time, note, key and signature",
                  shown);
    if (rc == 0 && (!cJSON_IsNumber(fmt) || fmt->valuedouble != APPROVAL_FORMAT))
        rc = fail(err, "%s: not an approval of format %d", shown, APPROVAL_FORMAT);
    if (rc == 0 && (!bundle || !approver || !time || !note || !key || !sig))
        rc = fail(err, "%s: an approval has exactly the members format, bundle, approver, "
                       "time, note, key and signature",
                  shown);
    if (rc == 0 && !is_hex(bundle, 64))
        rc = fail(err, "%s: 'bundle' is not a sha256 (64 lowercase hex digits)", shown);
    if (rc == 0 && !approval_name_ok(approver))
        rc = fail(err, "%s: invalid approver name", shown);
    if (rc == 0 && !is_time(time))
        rc = fail(err, "%s: 'time' is not YYYY-MM-DDTHH:MM:SSZ", shown);
    if (rc == 0 && strlen(note) > APPROVAL_MAX_NOTE)
        rc = fail(err, "%s: the note is longer than %d bytes", shown, APPROVAL_MAX_NOTE);
    if (rc == 0 && !utf8_ok(note))
        rc = fail(err, "%s: the note is not UTF-8 text", shown);
    if (rc == 0 && !approval_key_ok(key))
        rc = fail(err, "%s: 'key' is not an Ed25519 public key (base64 of its DER form)",
                  shown);
    if (rc == 0 && !is_hex(sig, 128))
        rc = fail(err, "%s: 'signature' is not 128 lowercase hex digits", shown);
    if (rc == 0) {
        a->approver = xstrdup(approver);
        a->bundle = xstrdup(bundle);
        a->time = xstrdup(time);
        a->note = xstrdup(note);
        memcpy(a->key, key, APPROVAL_KEY_LEN + 1);
        for (size_t i = 0; i < 64; i++) {
            unsigned v = 0;
            sscanf(sig + 2 * i, "%2x", &v);
            a->sig[i] = (unsigned char)v;
        }
    }
    cJSON_Delete(o);
    return rc;
}

int approval_check(const approval *a, const char *bundle_digest, const char *want_key,
                   char **why)
{
    if (strcmp(a->bundle, bundle_digest) != 0)
        return fail(why, "it approves another bundle (sha256 %s)", a->bundle);
    if (want_key && strcmp(a->key, want_key) != 0)
        return fail(why, "it is signed with a key that is not %s's in the policy", a->approver);
    EVP_PKEY *k = key_of_text(a->key);
    char *msg = approval_message(a);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = k && md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, k) == 1 &&
              EVP_DigestVerify(md, a->sig, sizeof(a->sig), (const unsigned char *)msg,
                               strlen(msg)) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    free(msg);
    return ok ? 0 : fail(why, "its signature does not verify: it was changed after signing");
}

void approval_free(approval *a)
{
    free(a->approver);
    free(a->bundle);
    free(a->time);
    free(a->note);
    memset(a, 0, sizeof(*a));
}

/* ------------------------------------------------------------------ judging */

static const policy_approver *find_approver(const policy *pol, const char *name)
{
    for (size_t i = 0; i < pol->napprovers; i++)
        if (strcmp(pol->approvers[i].name, name) == 0)
            return &pol->approvers[i];
    return NULL;
}

approval_verdict *approvals_judge(const approval_file *files, size_t n,
                                  const char *bundle_digest, const policy *pol)
{
    approval_verdict *v = xcalloc(n ? n : 1, sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        v[i].file = xasprintf("%s/%s", APPROVALS_DIR, files[i].name);
        char *err = NULL;
        if (approval_parse(files[i].text, files[i].len, v[i].file, &v[i].a, &err) < 0) {
            v[i].problem = err;
            continue;
        }
        char *want = xasprintf("%s.json", v[i].a.approver);
        bool named = strcmp(want, files[i].name) == 0;
        free(want);
        if (!named) {
            v[i].problem = xasprintf("%s: the approval is %s's, the file name another's",
                                     v[i].file, v[i].a.approver);
            continue;
        }
        const policy_approver *pa = pol ? find_approver(pol, v[i].a.approver) : NULL;
        if (pol && !pa) {
            v[i].problem = xasprintf("%s: '%s' is not an approver of the bundle's policy",
                                     v[i].file, v[i].a.approver);
            continue;
        }
        char *why = NULL;
        if (approval_check(&v[i].a, bundle_digest, pa ? pa->key : NULL, &why) < 0) {
            v[i].problem = xasprintf("%s: %s", v[i].file, why);
            free(why);
            continue;
        }
        v[i].counts = true;
        v[i].human = pa && pa->human;
    }
    return v;
}

void approval_verdicts_free(approval_verdict *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].file);
        free(v[i].problem);
        approval_free(&v[i].a);
    }
    free(v);
}

int approvals_enough(const policy_role *role, const approval_verdict *v, size_t n,
                     char **missing)
{
    /* the file name is the approver's name, so one approver counts once */
    int have = 0, human = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].counts) {
            have++;
            human += v[i].human;
        }
    if (have >= role->approvals && human >= role->approvals_human)
        return 0;
    strbuf sb = {0};
    sb_addf(&sb, "role '%s' needs %d approval%s", role->name, role->approvals,
            role->approvals == 1 ? "" : "s");
    if (role->approvals_human)
        sb_addf(&sb, ", %d of them by a human", role->approvals_human);
    sb_addf(&sb, ": the bundle has %d that count%s", have, have == 1 ? "s" : "");
    if (role->approvals_human)
        sb_addf(&sb, " (%d by a human)", human);
    *missing = sb_detach(&sb, NULL);
    return -1;
}
