/*
 * approval.h: sign-offs on a bundle: approvals/NAME.json, each an Ed25519 signature
 * by one approver over the bundle's digest (the SHA-256 of its manifest, which
 * covers every byte that runs), the approver's name, the time and a note.
 *
 * Approvals sit beside the manifest and change nothing it covers: adding one keeps
 * the bundle's digest and its manifest.sig. The policy the bundle carries names the
 * approvers (name, public key, human or not) and how many approvals each role's
 * bundles need; apply counts only approvals that verify with the key the policy
 * gives that name.
 *
 * The signed text (approval_message) is a fixed, line-based encoding, not the JSON
 * file, so no JSON canonicalisation is needed:
 *   pgward-approval 1
 *   bundle <manifest sha256>
 *   approver <name>
 *   time <YYYY-MM-DDTHH:MM:SSZ>
 *   note <the note as a JSON string>
 *   key <the signer's public key: base64 of its DER SubjectPublicKeyInfo>
 * The file is one JSON object with exactly the members format (1), bundle,
 * approver, time, note, key and signature (128 lowercase hex digits).
 */
#ifndef PGWARD_APPROVAL_H
#define PGWARD_APPROVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "policy/policy.h"

#define APPROVAL_FORMAT 1
#define APPROVALS_DIR "approvals"
#define APPROVAL_MAX_SIZE ((size_t)64 << 10) /* one approval file */
#define APPROVAL_MAX_FILES 256               /* approvals in one bundle */
#define APPROVAL_MAX_NOTE 4096               /* bytes of a note */
#define APPROVAL_KEY_LEN 60                  /* base64 of an Ed25519 SPKI (44 bytes DER) */

typedef struct approval {
    char *approver;
    char *bundle;          /* the manifest's sha256 it approves */
    char *time;
    char *note;
    char key[APPROVAL_KEY_LEN + 1];
    unsigned char sig[64];
} approval;

/* An approver's name: 1-64 of [A-Za-z0-9_.-], not starting with '.' or '-' (it names
   a file). */
bool approval_name_ok(const char *name);

/* The text an approval signs (malloc'd). */
char *approval_message(const approval *a);

/*
 * Signs an approval of the bundle whose manifest hashes to bundle_digest, with the
 * Ed25519 private key in PEM at key_path, at time now. *json gets the file's text
 * (malloc'd, ends with a newline). Returns 0, or -1 with *err.
 */
int approval_make(const char *bundle_digest, const char *name, const char *note,
                  const char *key_path, time_t now, char **json, char **err);

/* Parses an approval file's text strictly (see above); shown names it in messages.
   Returns 0, or -1 with *err "SHOWN: what is wrong"; approval_free(a) in both cases. */
int approval_parse(const char *text, size_t len, const char *shown, approval *a, char **err);

/* Whether a is an approval of bundle_digest whose signature verifies with its own
   key, and, when want_key is given, whose key is want_key. Returns 0, or -1 with *why
   (malloc'd, what is wrong, no file name). */
int approval_check(const approval *a, const char *bundle_digest, const char *want_key,
                   char **why);

void approval_free(approval *a);

/* The base64 SPKI form of the Ed25519 public key in PEM text: 0, or -1. */
int approval_key_from_pem(const char *pem, size_t len, char out[APPROVAL_KEY_LEN + 1]);

/* Whether text is the base64 SPKI form of an Ed25519 public key. */
bool approval_key_ok(const char *text);

/* One approval file of a bundle, judged. */
typedef struct approval_verdict {
    char *file;      /* "approvals/NAME.json" */
    approval a;      /* as parsed (zeroed when it does not parse) */
    bool counts;     /* parses, approves this bundle, verifies (with the policy's key
                        for that name when a policy is given) */
    bool human;      /* the policy says the approver is a human */
    char *problem;   /* why it does not count, or NULL */
} approval_verdict;

typedef struct approval_file {
    char *name;      /* in approvals/ */
    char *text;
    size_t len;
} approval_file;

/*
 * Judges each approval file against bundle_digest and, when pol is given, its
 * approvers (an approver it does not name, or another key, does not count). Returns
 * a malloc'd array of n verdicts in file order (approval_verdicts_free).
 */
approval_verdict *approvals_judge(const approval_file *files, size_t n,
                                  const char *bundle_digest, const policy *pol);
void approval_verdicts_free(approval_verdict *v, size_t n);

/*
 * Whether the verdicts hold what role needs (role->approvals, of which
 * role->approvals_human by humans; one approver counts once). Returns 0, or -1 with
 * *missing (malloc'd): "role 'R' needs 2 approvals, 1 of them by a human: it has 1
 * (0 by a human)".
 */
int approvals_enough(const policy_role *role, const approval_verdict *v, size_t n,
                     char **missing);

#endif
