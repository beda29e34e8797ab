/*
 * fuzz_approval.c: libFuzzer target for the approval file parser (src/bundle/
 * approval.c, approval_parse: what apply and bundle verify read from a bundle's
 * approvals/, written by whoever could write to the bundle).
 *
 * Feeds arbitrary bytes to approval_parse(). A refused file gives an error naming
 * it ("fuzz.json: ..."); an accepted one holds a valid approver name, a 64-digit
 * bundle digest, a time in its one shape, a note of valid UTF-8 within the limit and
 * an Ed25519 key in its one text form. approval_check() on it must not crash, and an
 * approval that verifies stops verifying when its note, time or approver changes:
 * the signature covers every field. Anything else aborts, so libFuzzer reports it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/approval.h"
#include "base/util.h"

#define NAME "fuzz.json"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_approval: invariant violated: %s\n%s\n", what, detail ? detail : "");
    abort();
}

static void must_not_verify(approval *a, char **field, const char *what)
{
    char *was = *field, *why = NULL;
    *field = xasprintf("%sx", was);
    if (approval_check(a, a->bundle, NULL, &why) == 0)
        fuzz_fail("an approval still verifies with a changed field", what);
    free(why);
    free(*field);
    *field = was;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = xmalloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    approval a;
    char *err = NULL;
    if (approval_parse(text, size, NAME, &a, &err) < 0) {
        if (!err || strncmp(err, NAME ": ", strlen(NAME) + 2) != 0)
            fuzz_fail("an error that does not name the file", err);
        free(err);
    } else {
        if (err)
            fuzz_fail("an error with success", err);
        if (!approval_name_ok(a.approver) || strlen(a.bundle) != 64 || strlen(a.time) != 20 ||
            strlen(a.note) > APPROVAL_MAX_NOTE || !approval_key_ok(a.key))
            fuzz_fail("an accepted approval with an invalid field", text);
        char *why = NULL;
        if (approval_check(&a, a.bundle, NULL, &why) == 0) {
            must_not_verify(&a, &a.note, "note");
            must_not_verify(&a, &a.time, "time");
            must_not_verify(&a, &a.approver, "approver");
        } else if (!why) {
            fuzz_fail("a failed check without a reason", text);
        }
        free(why);
    }
    approval_free(&a);
    free(text);
    return 0;
}
