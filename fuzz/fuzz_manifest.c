/*
 * fuzz_manifest.c: libFuzzer target for the bundle manifest reader (bundle.c).
 *
 * Writes the input as the manifest of a small real bundle (one file and a policy in
 * a private temporary folder) and verifies it: any input must be accepted or
 * refused with a message, never crash, and never read outside the bundle (names
 * with "..", absolute paths or newlines are refused before any file is opened).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle/bundle.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void put(const char *name, const void *text, size_t len)
{
    char *p = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (!f)
        abort();
    fwrite(text, 1, len, f);
    fclose(f);
    free(p);
}

static void cleanup(void)
{
    const char *names[] = {"manifest", "policy", "files/a.sql", "files"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char *p = xasprintf("%s/%s", dir, names[i]);
        if (remove(p) != 0) { /* nothing else to do: a leftover temporary file */
        }
        free(p);
    }
    rmdir(dir);
}

static void prepare(void)
{
    strcpy(dir, "/tmp/pgward-fuzz-manifest-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    char *files = xasprintf("%s/files", dir);
    mkdir(files, 0700);
    free(files);
    put("files/a.sql", "SELECT 1;\n", 10);
    put("policy", "role r {\n    unrestricted;\n}\n", 29);
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0])
        prepare();
    put("manifest", data, size);
    bundle_info info;
    char *err = NULL;
    int rc = bundle_verify(dir, NULL, &info, &err);
    if (rc < 0 && !err)
        abort(); /* a refusal always says why */
    free(err);
    bundle_info_free(&info);
    return 0;
}
