/*
 * bundle.h: approved, hash-chained, optionally signed bundles of scripts.
 *
 * A bundle is a folder: `manifest` (plain text a person can read and diff),
 * `policy` (the canonical text of the policy it was checked against), `files/...`
 * (every script and every file it includes, byte for byte) and, when signed,
 * `manifest.sig` (an Ed25519 signature of the manifest, hex), and, once approved,
 * `approvals/NAME.json` (approval.h; outside the manifest, so approving changes
 * nothing it covers). The manifest
 * records, per file, its path and SHA-256, chained like Atlas's atlas.sum: line
 * i's chain value is SHA-256(chain[i-1] || path || sha256), so reordering,
 * removing or editing any file breaks that line and every later one.
 *
 *   bundle_write("out.bundle", &b, key_path, &err);
 *   bundle_verify("out.bundle", pubkey_path_or_NULL, &info, &err);
 *   bundle_script_options(&info, &opt);   // read the scripts from info's bytes
 *
 * Verification reads every file of the bundle once, into memory (bundle_info), and
 * checks those bytes; whoever runs the bundle reads the scripts, their includes and
 * the policy from there, never from the folder again, so a file swapped after the
 * check changes nothing. Only regular files are read (a symbolic link, FIFO, socket
 * or device is refused, never followed or waited on), and a file or folder the
 * manifest does not list makes the bundle invalid.
 *
 * Errors come back as malloc'd messages naming the file and what is wrong.
 */
#ifndef PGWARD_BUNDLE_H
#define PGWARD_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>

#include "bundle/approval.h"
#include "policy/policy.h"
#include "script/script.h"

#define BUNDLE_FORMAT 1

/* Limits of what verification reads (beyond them a bundle is refused): one script,
   include or policy (the largest script the reader takes, source.h), the manifest,
   everything together, and folders nested in files/. */
#define BUNDLE_MAX_FILE SOURCE_MAX_SIZE
#define BUNDLE_MAX_MANIFEST ((size_t)16 << 20)
#define BUNDLE_MAX_TOTAL ((size_t)512 << 20)
#define BUNDLE_MAX_DEPTH 32

typedef struct bundle_file {
    char *path;      /* as given or as included (relative paths stay relative) */
    const char *text;
    size_t len;
    bool included;   /* read through \i or \ir, not run by itself */
} bundle_file;

typedef struct bundle_spec {
    bundle_file *files;
    size_t nfiles, capfiles;
    const policy *policy;
    const char *role;
    size_t nstatements;
    const char *verdict;     /* "pass" */
    const script_var *vars;  /* -v variables the scripts were read with */
    size_t nvars;
} bundle_spec;

/* Writes a bundle folder (must not exist). Returns 0, or -1 with *err. */
int bundle_write(const char *dir, const bundle_spec *spec, const char *private_key_path,
                 char **err);

typedef struct bundle_entry {
    char *path;      /* relative to the bundle's files/ folder */
    char sha256[65];
    bool included;
    int line;        /* of the manifest */
    char *text;      /* the bytes verified (NUL-terminated) */
    size_t len;
} bundle_entry;

typedef struct bundle_info {
    char *role;
    char *policy_digest;
    char manifest_sha256[65]; /* identifies the bundle in the audit trail */
    bundle_entry *files;      /* in manifest order */
    size_t nfiles, capfiles;
    script_var *vars;         /* -v variables recorded at bundling, in order */
    size_t nvars, capvars;
    size_t statements;        /* what the manifest says the scripts hold */
    char *policy_text;        /* the policy's bytes verified */
    size_t policy_len;
    script_file *set;         /* the files' bytes by path, for script_options.files */
    size_t nset, capset;
    bool signed_;             /* a manifest.sig in the canonical form is there */
    approval_file *approvals; /* approvals/NAME.json as read, by name; judged by
                                 approvals_judge(), not by bundle_verify() */
    size_t napprovals, capapprovals;
} bundle_info;

/*
 * Whether dir is a bundle at all: its manifest exists (lstat: a FIFO or symlink
 * there is a bundle that does not verify, not a missing one). Returns 0, or -1
 * with *err "cannot read 'DIR/manifest': reason": an input error (exit 2), where
 * a bundle that does not verify is a refusal (exit 1).
 */
int bundle_check_present(const char *dir, char **err);

/*
 * Reads the bundle's files once (see above) and checks every file's hash, the
 * chain, the policy digest, that nothing unlisted is there, that the scripts hold
 * the manifest's `statements N` and that a manifest.sig present is in the one
 * canonical form; when pubkey_path is given, the signature too (an unsigned bundle
 * is then refused). Returns 0, or -1 with *err saying what does not match; free
 * *info in both cases.
 */
int bundle_verify(const char *dir, const char *pubkey_path, bundle_info *info, char **err);

/* The same without reading the scripts to count their statements: for a caller
   that reads them anyway (apply lints every one) and compares info->statements
   itself, so nothing is parsed twice. */
int bundle_verify_bytes(const char *dir, const char *pubkey_path, bundle_info *info, char **err);
void bundle_info_free(bundle_info *info);

/* Options that read the scripts from info's bytes with the manifest's -v variables
   (free with script_options_free). Returns -1 when a variable name is invalid. */
int bundle_script_options(const bundle_info *info, script_options *opt);

/* The statements a static read of info's scripts finds, in all. */
int bundle_count_statements(const bundle_info *info, size_t *count, char **err);

/* Makes an Ed25519 key pair: private key PEM at path, public key PEM at path.pub. */
int bundle_keygen(const char *path, char **err);

#endif
