/*
 * finding.h: what pgward reports about a script: a rule id, a severity, a message
 * and the exact place (source, byte offset, length; line and column 1-based).
 *
 * Findings are plain data collected into a finding_list owned by whoever analyses a
 * script; reporters (report.h) print them. Rule ids are the RULE_* constants
 * generated from rules/<id>.md (rule_ids.h).
 */
#ifndef PGWARD_FINDING_H
#define PGWARD_FINDING_H

#include <stddef.h>

#include "base/severity.h"
#include "base/source.h"
#include "base/util.h"
#include "rule_ids.h"

typedef struct finding {
    severity severity;
    rule_id rule;
    char *message;       /* lowercase, problem first, subject quoted */
    const source *src;   /* NULL only for input errors with no readable source */
    char *file;          /* display name (copied, valid even without src) */
    size_t offset;       /* byte offset in src->text */
    size_t length;       /* bytes covered (0 = a point) */
    int line, column;    /* 1-based; 0 when there is no source */
    int end_line, end_column; /* 1-based, of offset + length (the end, exclusive) */
    char *statement;     /* the text of the statement it is about, or NULL */
    int group;           /* who found it (0: the front end; checks: 1 + their module) */
    unsigned long seq;   /* when, within its group (findings a check holds back keep
                            their place): with group, orders findings at one place */
} finding;

typedef struct finding_list {
    finding *items;
    size_t count;
    size_t cap;
} finding_list;

/* Adds a finding at src+offset; src may be NULL (then file names the input). */
void finding_add(finding_list *list, severity sev, rule_id rule, const source *src,
                 const char *file, size_t offset, size_t length, const char *fmt, ...)
    PRINTF_LIKE(8, 9);

/* Records the statement text the last added finding is about. */
void finding_set_statement(finding_list *list, const char *text);

/* Sorts by file name, offset, group and seq, keeping insertion order for ties. */
void finding_list_sort(finding_list *list);

void finding_list_free(finding_list *list);

const char *severity_name(severity sev);

#endif
