/*
 * cmd_rules.c: `pgward rules [--format text|json] [ID]`: list every rule (id,
 * default severity, group, summary) from the registry (rules.h), or print one
 * rule's doc, rules/<id>.md as built into pgward. An unknown id is a usage error
 * that names the closest ids. Exit: 0 printed, 1 the rule has no doc (a build
 * defect), 2 usage error or unknown rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "rules/rules.h"

static const cli_usage rules_usage = {
    .cmd = "rules",
    .text = "usage: pgward rules [options]\n"
            "       pgward rules [options] ID\n"
            "\n"
            "List every rule pgward reports: its id, default severity (opt-in rules run\n"
            "only when the policy gives them a severity), group and one-line summary.\n"
            "With ID, print that rule's doc: why it matters, a bad example, a good example\n"
            "and how to fix it.\n"
            "\n",
    .footer = "\n"
              "exit status: 0 ok, 1 the rule's doc was missing when pgward was built, 2 usage\n"
              "error or unknown rule\n",
};

/* "warning" or "warning (opt-in)" */
static void severity_label(const rule_def *r, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s", severity_name(r->sev), r->opt_in ? " (opt-in)" : "");
}

static void print_list_text(void)
{
    size_t wid = 0, wsev = 0, wgroup = 0;
    char sev[32];
    for (size_t i = 0; i < rules_count(); i++) {
        const rule_def *r = rules_at(i);
        severity_label(r, sev, sizeof(sev));
        size_t n = strlen(r->id), s = strlen(sev), g = strlen(rules_group_name(r->group));
        wid = n > wid ? n : wid;
        wsev = s > wsev ? s : wsev;
        wgroup = g > wgroup ? g : wgroup;
    }
    for (size_t i = 0; i < rules_count(); i++) {
        const rule_def *r = rules_at(i);
        severity_label(r, sev, sizeof(sev));
        printf("%-*s  %-*s  %-*s  %s\n", (int)wid, r->id, (int)wsev, sev, (int)wgroup,
               rules_group_name(r->group), r->summary);
    }
}

static cJSON *rule_json(const rule_def *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", r->id);
    cJSON_AddStringToObject(o, "severity", severity_name(r->sev));
    cJSON_AddBoolToObject(o, "opt_in", r->opt_in);
    cJSON_AddStringToObject(o, "group", rules_group_name(r->group));
    cJSON_AddStringToObject(o, "summary", r->summary);
    return o;
}

/* Prints doc compactly; an array one element a line. Frees doc. */
static void print_json(cJSON *doc)
{
    if (cJSON_IsArray(doc)) {
        fputc('[', stdout);
        const cJSON *item;
        const char *sep = "\n";
        cJSON_ArrayForEach(item, doc) {
            char *s = cJSON_PrintUnformatted(item);
            printf("%s%s", sep, s ? s : "null");
            cJSON_free(s);
            sep = ",\n";
        }
        fputs("\n]\n", stdout);
    } else {
        char *s = cJSON_PrintUnformatted(doc);
        printf("%s\n", s ? s : "null");
        cJSON_free(s);
    }
    cJSON_Delete(doc);
}

/* Edit distance of a and b, capped: anything above 3 counts as 4. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64 || (la > lb ? la - lb : lb - la) > 3)
        return 4;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb] > 4 ? 4 : row[lb];
}

/* Reports an unknown id and the ids it may have meant; returns 2. */
static int unknown_rule(const char *id)
{
    enum { MAX_SUGGEST = 6 };
    const char *near[MAX_SUGGEST];
    size_t n = 0;
    /* first ids that start with it, contain it or are contained in it ... */
    for (size_t i = 0; i < rules_count() && n < MAX_SUGGEST; i++) {
        const char *rid = rules_at(i)->id;
        if (*id && (strstr(rid, id) || strstr(id, rid)))
            near[n++] = rid;
    }
    /* ... else ids within two edits (a typo) */
    if (n == 0)
        for (size_t i = 0; i < rules_count() && n < MAX_SUGGEST; i++)
            if (distance(id, rules_at(i)->id) <= 2)
                near[n++] = rules_at(i)->id;
    fprintf(stderr, "pgward: unknown rule '%s'\n", id);
    if (n > 0) {
        fputs(n == 1 ? "did you mean this?\n" : "did you mean one of these?\n", stderr);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, "    %s\n", near[i]);
    }
    fputs("see 'pgward rules' for every rule\n", stderr);
    return EXIT_USAGE;
}

int cmd_rules(int argc, char **argv)
{
    cli_format format = CLI_FORMAT_TEXT;
    const cli_option options[] = {
        CLI_OPT_CALLBACK(0, "format", "FORMAT", &format, cli_opt_format,
                         "text (default) or json (with ID: the rule and its\n"
                         "doc as one object)"),
        CLI_OPT_END(),
    };
    int argi, rc = cli_parse_options(&rules_usage, options, argc, argv, &argi);
    if (rc >= 0)
        return rc;
    bool json = format == CLI_FORMAT_JSON;
    if (argc - argi > 1)
        return usage_error("rules", "'rules' takes at most one rule ID");

    if (argi == argc) {
        if (json) {
            cJSON *arr = cJSON_CreateArray();
            for (size_t i = 0; i < rules_count(); i++)
                cJSON_AddItemToArray(arr, rule_json(rules_at(i)));
            print_json(arr);
        } else {
            print_list_text();
        }
        return EXIT_CLEAN;
    }

    const char *id = argv[argi];
    const rule_def *r = rules_find(id);
    if (!r)
        return unknown_rule(id);
    const char *doc = r->doc;
    if (json) {
        cJSON *o = rule_json(r);
        if (doc)
            cJSON_AddStringToObject(o, "doc", doc);
        else
            cJSON_AddNullToObject(o, "doc");
        print_json(o);
    } else if (doc) {
        fputs(doc, stdout);
    }
    if (!doc) {
        error("rule '%s' has no doc (rules/%s.md was missing when pgward was built)", id, id);
        return EXIT_FINDINGS;
    }
    return EXIT_CLEAN;
}
