/*
 * digest.h: SHA-256 as lowercase hex (OpenSSL), for policy digests and bundle
 * manifests.
 */
#ifndef PGWARD_DIGEST_H
#define PGWARD_DIGEST_H

#include <stddef.h>

/* out receives 64 hex digits and a NUL. */
void sha256_hex_of(const void *data, size_t len, char out[65]);

#endif
