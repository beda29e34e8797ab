/*
 * fuzz_policy.c: libFuzzer target for the policy parser (grammar/policy_*.{l,y},
 * src/policy/policy.c).
 *
 * Feeds arbitrary bytes to policy_parse_bundled() (policy_parse() that reads no
 * approver key file: the input, not the disk, is what is fuzzed). A valid policy must give a canonical
 * text that parses again to the same canonical text and digest (a fixed point);
 * an invalid one must give an error of the form "fuzz.policy:LINE:COL: message".
 * Anything else aborts, so libFuzzer reports it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_policy: invariant violated: %s\n%s\n", what, detail ? detail : "");
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *err = NULL;
    policy *p = policy_parse_bundled("fuzz.policy", (const char *)data, size, &err);
    if (!p) {
        int line = 0, col = 0;
        if (!err || sscanf(err, "fuzz.policy:%d:%d: ", &line, &col) != 2 || line < 1 || col < 1)
            fuzz_fail("error without file:line:col", err);
        free(err);
        return 0;
    }
    char *err2 = NULL;
    policy *q = policy_parse_bundled("fuzz.policy", p->canonical, strlen(p->canonical), &err2);
    if (!q)
        fuzz_fail("canonical form does not parse", err2);
    if (strcmp(p->canonical, q->canonical) != 0 || strcmp(p->digest, q->digest) != 0)
        fuzz_fail("canonical form is not a fixed point", p->canonical);
    policy_free(q);
    policy_free(p);
    return 0;
}
