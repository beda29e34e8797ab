/*
 * digest.c: SHA-256 through OpenSSL's EVP interface; see digest.h.
 */
#include "base/digest.h"

#include <stdio.h>

#include <openssl/evp.h>

void sha256_hex_of(const void *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1)
        n = 0;
    for (unsigned int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", i < n ? md[i] : 0);
    out[64] = '\0';
}
