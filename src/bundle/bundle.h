/*
 * bundle.h: approved, hash-chained, optionally signed bundles of scripts.
 *
 * A bundle is a folder: `manifest` (plain text a person can read and diff),
 * `policy` (the canonical text of the policy it was checked against), `files/...`
 * (every script and every file it includes, byte for byte) and, when signed,
 * `manifest.sig` (an Ed25519 signature of the manifest, hex). The manifest
 * records, per file, its path and SHA-256, chained like Atlas's atlas.sum: line
 * i's chain value is SHA-256(chain[i-1] || path || sha256), so reordering,
 * removing or editing any file breaks that line and every later one.
 *
 *   bundle_write("out.bundle", &b, key_path, &err);
 *   bundle_verify("out.bundle", pubkey_path_or_NULL, &info, &err);
 *
 * Errors come back as malloc'd messages naming the file and what is wrong.
 */
#ifndef PGWARD_BUNDLE_H
#define PGWARD_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"
#include "script/script.h"

#define BUNDLE_FORMAT 1

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
} bundle_entry;

typedef struct bundle_info {
    char *role;
    char *policy_digest;
    char manifest_sha256[65]; /* identifies the bundle in the audit trail */
    bundle_entry *files;      /* in manifest order */
    size_t nfiles, capfiles;
    script_var *vars;         /* -v variables recorded at bundling, in order */
    size_t nvars, capvars;
    bool signed_;
} bundle_info;

/*
 * Checks every file's hash, the chain, the policy digest and, when pubkey_path is
 * given, the signature (an unsigned bundle is then refused). Returns 0, or -1 with
 * *err saying what does not match.
 */
int bundle_verify(const char *dir, const char *pubkey_path, bundle_info *info, char **err);
void bundle_info_free(bundle_info *info);

/* Makes an Ed25519 key pair: private key PEM at path, public key PEM at path.pub. */
int bundle_keygen(const char *path, char **err);

#endif
