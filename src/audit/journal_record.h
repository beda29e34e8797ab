/*
 * journal_record.h: what writing (journal.c) and reading (journal_read.c) the
 * journal share: the events, and the one check of a record both apply, so that a
 * record the reader would refuse is never written.
 */
#ifndef PGWARD_JOURNAL_RECORD_H
#define PGWARD_JOURNAL_RECORD_H

#include <cjson/cJSON.h>

typedef enum event_kind {
    EV_BEGIN,
    EV_STATEMENT,
    EV_STATEMENT_START,
    EV_COMMIT_PENDING,
    EV_COMMIT,
    EV_ROLLBACK,
    EV_END,
    EV_AUDITED,
} event_kind;

/* Why rec is not a valid record (malloc'd), or NULL with *kind its event. */
char *journal_check_record(const cJSON *rec, event_kind *kind);

/* The integer field name of a checked record (0 when absent). */
int journal_field_int(const cJSON *rec, const char *name);

#endif
