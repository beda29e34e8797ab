/*
 * main.c: `pgward <command> [options]`: global options and dispatch.
 *
 * The command table below is sorted by name; each entry's run() lives in its own
 * file (cmd_<name>.c) with its usage text, option table (options.h) and exit
 * status. Exit codes (docs/exit-codes.md): 0 clean, 1 findings, refused or NO-GO,
 * 2 usage or input error, 3 cannot connect or the database failed, 130/143
 * interrupted.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "base/version.h"




const command pgward_commands[] = {
    {"apply", cmd_apply, "run an approved bundle transactionally, with an audit trail"},
    {"approve", cmd_approve, "sign off a bundle: a signed approval beside its manifest"},
    {"audit", cmd_audit, "settle the journal with the audit trail, or show what ran"},
    {"bundle", cmd_bundle, "check scripts and write a verified, signable bundle"},
    {"keygen", cmd_keygen, "make an Ed25519 key pair for signing bundles"},
    {"lint", cmd_lint, "check scripts and report findings"},
    {"parse", cmd_parse, "list the statements pgward reads from scripts (debugging)"},
    {"policy", cmd_policy, "check a policy or show its canonical form and digest"},
    {"rules", cmd_rules, "list the rules, or print one rule's doc"},
    {"stage", cmd_stage, "start, show or remove a throwaway staging PostgreSQL"},
    {"verify", cmd_verify, "check a live database against the policy: GO or NO-GO"},
};
const size_t pgward_ncommands = ARRAY_SIZE(pgward_commands);

static void print_help(FILE *out)
{
    fputs("usage: pgward <command> [options] [PATH...]\n"
          "       pgward --help | --version\n"
          "\n"
          "Guards what runs against PostgreSQL: reads scripts as psql does, parses every\n"
          "statement with the PostgreSQL parser and reports what is wrong.\n"
          "\n"
          "commands:\n",
          out);
    for (size_t i = 0; i < pgward_ncommands; i++)
        fprintf(out, "  %-10s %s\n", pgward_commands[i].name, pgward_commands[i].summary);
    fputs("\n"
          "'pgward <command> --help' describes a command.\n"
          "exit status: 0 clean, 1 findings, refused or NO-GO, 2 usage or input error,\n"
          "3 cannot connect or the database failed, 130/143 interrupted; each command's\n"
          "--help says which it uses (docs/exit-codes.md has the table)\n",
          out);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error(NULL, "missing command");
    const char *arg = argv[1];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 || strcmp(arg, "help") == 0) {
        print_help(stdout);
        return EXIT_CLEAN;
    }
    if (strcmp(arg, "--version") == 0) {
        const char *lib = pgward_libpg_query_version();
        printf("pgward %s\nPostgreSQL %d grammar (%s, libpg_query%s%s)\n", pgward_version(),
               pgward_grammar_major(), pgward_grammar_version(), *lib ? " " : "", lib);
        return EXIT_CLEAN;
    }
    if (arg[0] == '-')
        return usage_error(NULL, "unknown option '%s'", arg);
    /* kept out of the table so that it is not completed or documented as a command */
    if (strcmp(arg, "completion") == 0)
        return cmd_completion(argc - 1, argv + 1);
    for (size_t i = 0; i < pgward_ncommands; i++)
        if (strcmp(pgward_commands[i].name, arg) == 0)
            return pgward_commands[i].run(argc - 1, argv + 1);
    return usage_error(NULL, "unknown command '%s'", arg);
}
