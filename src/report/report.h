/*
 * report.h: printing findings for people (text) and tools (JSON). Reporters see
 * findings only, never statements or parse trees.
 *
 * Text is gcc-style: "file:line:col: severity: message [rule]", then the source
 * line and a caret under the column. Colour only when asked (the CLI asks when
 * stdout is a terminal and NO_COLOR is unset). JSON uses cJSON, so escaping is
 * never hand-written; lines and columns are 1-based everywhere.
 *
 * A script's bytes are untrusted: on the terminal a control character, a byte that
 * is not UTF-8, a C1 control or a bidirectional override is shown escaped (\x1b,
 * \u202e), so a finding cannot drive the terminal or reorder what it shows; JSON
 * gets U+FFFD for every byte that is not UTF-8 (cJSON does not check), and a source
 * line is cut to REPORT_SNIPPET_WIDTH columns around the caret.
 */
#ifndef PGWARD_REPORT_H
#define PGWARD_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "base/finding.h"

/* Columns of a source line shown under a finding (then cut with "..." marks). */
#define REPORT_SNIPPET_WIDTH 120
/* Columns of a message on the terminal: a quoted name can be a megabyte long. */
#define REPORT_MESSAGE_WIDTH 300

void report_finding_text(FILE *out, const finding *f, bool color);

/* The same followed by "      = help: <rule summary>; see 'pgward rules <id>'" (lint). */
void report_finding_text_help(FILE *out, const finding *f, bool color);

/* The JSON format's version (lint and parse print it as "version"). */
#define REPORT_JSON_VERSION 1

/* {"file","line","column","end_line","end_column","offset","rule","severity",
    "message","statement"}: statement is the text of the statement, or null */
cJSON *report_finding_json(const finding *f);

/* How many findings of each severity a run printed, and whether an input failed. */
typedef struct finding_tally {
    size_t counts[3]; /* by severity */
    bool input_error;
} finding_tally;

/*
 * Sorts a script's findings, prints them (appended to jarr when it is not NULL,
 * else as text on out) and adds them to tally.
 */
void report_script_findings(finding_list *list, cJSON *jarr, FILE *out, bool color,
                            finding_tally *tally);

/*
 * The same with more control: help adds the help line to text (lint), and with
 * neither jarr nor out the findings are only sorted and tallied.
 */
void report_findings(finding_list *list, cJSON *jarr, FILE *out, bool color, bool help,
                     finding_tally *tally);

/* Prints a JSON document (unformatted) followed by a newline; frees it. */
void report_print_json(FILE *out, cJSON *doc);

/* The same, indented when pretty; bytes that are not UTF-8 become U+FFFD. */
void report_print_json_doc(FILE *out, cJSON *doc, bool pretty);

/* Whether to colour output on fd: a terminal and NO_COLOR unset. */
bool report_want_color(int fd);

#endif
