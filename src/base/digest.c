/*
 * digest.c: SHA-256 through OpenSSL's EVP interface; see digest.h.
 *
 * The algorithm is fetched once (OpenSSL 3 would otherwise look it up at every
 * call, which costs more than hashing a short statement) and shared by every
 * thread, as OpenSSL allows for a fetched EVP_MD.
 */
#include "base/digest.h"

#include <pthread.h>

#include <openssl/evp.h>

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void sha256_hex_of(const void *data, size_t len, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    pthread_once(&sha256_once, fetch_sha256);
    if (EVP_Digest(data, len, md, &n, sha256_md ? sha256_md : EVP_sha256(), NULL) != 1)
        n = 0;
    for (unsigned int i = 0; i < 32; i++) {
        unsigned char b = i < n ? md[i] : 0;
        out[2 * i] = hex[b >> 4];
        out[2 * i + 1] = hex[b & 15];
    }
    out[64] = '\0';
}
