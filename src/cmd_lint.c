/*
 * cmd_lint.c: `pgward lint PATH...`: read every script, parse every statement and
 * report findings (for now: syntax errors and front-end problems such as
 * unsupported meta-commands, bad includes, unbalanced \if).
 *
 * Text output is gcc-style with the source line and a caret, then a summary line;
 * JSON output is {"findings":[...],"summary":{...}}. Exit: 0 when no finding is at
 * error level, 1 when one is, 2 for usage errors and unreadable inputs.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "report.h"

static const char lint_usage[] =
    "usage: pgward lint [options] PATH...\n"
    "\n"
    "Check scripts (files, directories of *.sql, or - for stdin) and report\n"
    "findings: statements the PostgreSQL parser rejects and script problems\n"
    "(unsupported meta-commands, bad includes, unbalanced \\if).\n"
    "\n"
    "options:\n"
    "      --format FORMAT        text (default) or json\n" CLI_SCRIPT_OPTIONS_HELP
    "  -h, --help                 show this help\n"
    "\n"
    "exit status: 0 no error-level finding, 1 error-level findings, 2 usage or\n"
    "unreadable input\n";

int cmd_lint(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_SCRIPT_LONG_OPTIONS,
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    script_options so = script_options_default();
    bool json = false;
    int opt;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":v:h", longopts, NULL)) != -1) {
        int used = cli_script_option("lint", opt, optarg, &so);
        if (used < 0) {
            script_options_free(&so);
            return EXIT_USAGE;
        }
        if (used)
            continue;
        switch (opt) {
        case 'h':
            fputs(lint_usage, stdout);
            script_options_free(&so);
            return EXIT_CLEAN;
        case OPT_FORMAT:
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "text") != 0) {
                script_options_free(&so);
                return usage_error("lint", "unknown format '%s': expected text or json",
                                   optarg);
            }
            break;
        case ':':
            script_options_free(&so);
            return usage_error("lint", "option '%s' needs a value", argv[optind - 1]);
        default:
            script_options_free(&so);
            return usage_error("lint", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        script_options_free(&so);
        return usage_error("lint", "no PATH given");
    }
    path_list paths = {0};
    if (cli_collect_paths("lint", argv + optind, argc - optind, &paths) < 0) {
        script_options_free(&so);
        path_list_free(&paths);
        return EXIT_USAGE;
    }

    bool color = !json && report_want_color(1);
    cJSON *doc = json ? cJSON_CreateObject() : NULL;
    cJSON *jfind = json ? cJSON_AddArrayToObject(doc, "findings") : NULL;
    size_t nstmts = 0, counts[3] = {0, 0, 0};
    bool input_error = false;
    for (size_t i = 0; i < paths.count; i++) {
        script *s = script_read_file(paths.paths[i], &so);
        nstmts += s->nstmts;
        finding_list_sort(&s->findings);
        for (size_t j = 0; j < s->findings.count; j++) {
            const finding *f = &s->findings.items[j];
            counts[f->severity]++;
            if (strcmp(f->rule, RULE_INPUT_ERROR) == 0)
                input_error = true;
            if (json)
                cJSON_AddItemToArray(jfind, report_finding_json(f));
            else
                report_finding_text(stdout, f, color);
        }
        script_free(s);
    }
    if (json) {
        cJSON *sum = cJSON_AddObjectToObject(doc, "summary");
        cJSON_AddNumberToObject(sum, "files", (double)paths.count);
        cJSON_AddNumberToObject(sum, "statements", (double)nstmts);
        cJSON_AddNumberToObject(sum, "errors", (double)counts[SEV_ERROR]);
        cJSON_AddNumberToObject(sum, "warnings", (double)counts[SEV_WARNING]);
        cJSON_AddNumberToObject(sum, "infos", (double)counts[SEV_INFO]);
        report_print_json(stdout, doc);
    } else {
        printf("%zu file%s, %zu statement%s: %zu error%s, %zu warning%s, %zu info\n",
               paths.count, paths.count == 1 ? "" : "s", nstmts, nstmts == 1 ? "" : "s",
               counts[SEV_ERROR], counts[SEV_ERROR] == 1 ? "" : "s", counts[SEV_WARNING],
               counts[SEV_WARNING] == 1 ? "" : "s", counts[SEV_INFO]);
    }
    path_list_free(&paths);
    script_options_free(&so);
    if (input_error)
        return EXIT_USAGE;
    return counts[SEV_ERROR] ? EXIT_FINDINGS : EXIT_CLEAN;
}
