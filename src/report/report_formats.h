/*
 * report_formats.h: lint's formats for CI systems, printed once at the end of a
 * run: SARIF 2.1.0 (code-scanning uploads), GitHub workflow annotations, GitLab
 * Code Quality and JUnit XML.
 *
 *   report_collector *rc = report_collector_new();
 *   ... for each script, in order: report_collect(rc, name, &s->findings); ...
 *   report_collector_print(rc, stdout, REPORT_SARIF);
 *   report_collector_free(rc);
 *
 * JSON documents (SARIF, GitLab) are built with cJSON; JUnit's XML is escaped by
 * report_xml_escape(). Lines and columns are 1-based everywhere.
 */
#ifndef PGWARD_REPORT_FORMATS_H
#define PGWARD_REPORT_FORMATS_H

#include <stdbool.h>
#include <stdio.h>

#include "base/finding.h"
#include "base/util.h"

typedef enum report_format {
    REPORT_SARIF,
    REPORT_GITHUB,
    REPORT_GITLAB,
    REPORT_JUNIT,
} report_format;

typedef struct report_collector report_collector;

report_collector *report_collector_new(void);

/* Records the findings of one script (name: as the user gave it); copies them. */
void report_collect(report_collector *rc, const char *name, const finding_list *list);

/* Says that the script last collected is read with a profile other than the
   default (SARIF: the artifact's properties), and why. */
void report_collect_profile(report_collector *rc, const char *profile, const char *reason);

void report_collector_print(report_collector *rc, FILE *out, report_format fmt);
void report_collector_free(report_collector *rc);

/*
 * Appends s to sb escaped for XML 1.0 text and attribute values: & < > " ' as
 * entities; tab, newline and carriage return as character references in
 * attributes (attr) and as themselves in text; other control characters and
 * invalid UTF-8 become U+FFFD (XML cannot hold them).
 */
void report_xml_escape(strbuf *sb, const char *s, bool attr);

/*
 * Appends s escaped for a GitHub workflow command: % \r \n as %25 %0D %0A, and in
 * a property (prop) also : and , as %3A and %2C.
 */
void report_github_escape(strbuf *sb, const char *s, bool prop);

#endif
