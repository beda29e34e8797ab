/*
 * cmd_keygen.c: `pgward keygen KEY`: an Ed25519 key pair for signing bundles:
 * the private key at KEY (mode 0600, never overwritten) and the public key at
 * KEY.pub, both PEM. Exit: 0 written, 2 usage error or the files cannot be made.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/bundle.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char keygen_usage[] =
    "usage: pgward keygen KEY\n"
    "\n"
    "Make an Ed25519 key pair for signing bundles: the private key in KEY (mode\n"
    "0600; an existing file is never overwritten) and the public key in KEY.pub.\n"
    "\n"
    "options:\n"
    "  -h, --help                 show this help\n";

int cmd_keygen(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(keygen_usage, stdout);
        return EXIT_CLEAN;
    }
    if (argc != 2)
        return usage_error("keygen", "'keygen' takes exactly one KEY path");
    if (argv[1][0] == '-')
        return usage_error("keygen", "unknown option '%s'", argv[1]);
    char *err = NULL;
    if (bundle_keygen(argv[1], &err) < 0) {
        fprintf(stderr, "pgward: %s\n", err);
        free(err);
        return EXIT_USAGE;
    }
    printf("%s: Ed25519 private key\n%s.pub: public key\n", argv[1], argv[1]);
    return EXIT_CLEAN;
}
