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

static const cli_usage keygen_usage = {
    .cmd = "keygen",
    .text = "usage: pgward keygen KEY\n"
            "\n"
            "Make an Ed25519 key pair for signing bundles: the private key in KEY (mode\n"
            "0600; an existing file is never overwritten) and the public key in KEY.pub.\n"
            "\n",
    .footer = "\n"
              "exit status: 0 written, 2 usage error or the key files cannot be made\n",
};

int cmd_keygen(int argc, char **argv)
{
    const cli_option options[] = {CLI_OPT_END()};
    int argi, rc = cli_parse_options(&keygen_usage, options, argc, argv, &argi);
    if (rc >= 0)
        return rc;
    if (argc - argi != 1)
        return usage_error("keygen", "'keygen' takes exactly one KEY path");
    const char *key = argv[argi];
    if (key[0] == '-') /* "-", or a name after "--": not a file name keygen writes */
        return usage_error("keygen", "invalid KEY '%s': it starts with '-'", key);
    char *err = NULL;
    if (bundle_keygen(key, &err) < 0) {
        fprintf(stderr, "pgward: %s\n", err);
        free(err);
        return EXIT_USAGE;
    }
    printf("%s: Ed25519 private key\n%s.pub: public key\n", key, key);
    return EXIT_CLEAN;
}
