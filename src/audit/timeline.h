/*
 * timeline.h: one run of the audit trail as an auditor reads it (`pgward audit
 * show --run ID`, timeline.c): who ran it (role, session user, operator), what
 * (bundle and policy digests, files), when and how long, the outcome, then every
 * statement in the order it ran (seq, file:line, duration, rows, status,
 * SQLSTATE). As text for a terminal, or as markdown: the evidence section of a
 * go/no-go report. Values from scripts and the server are escaped for either.
 */
#ifndef PGWARD_AUDIT_TIMELINE_H
#define PGWARD_AUDIT_TIMELINE_H

#include <stdbool.h>
#include <stdio.h>

#include <libpq-fe.h>

/* Prints run run_id from the audit tables. Returns 0, or -1 with *err (malloc'd):
   the run does not exist, or a query failed. */
int audit_timeline(PGconn *c, const char *run_id, bool markdown, FILE *out, char **err);

#endif
