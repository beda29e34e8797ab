/*
 * finding.c: building, ordering and freeing finding lists; see finding.h.
 */
#include "base/finding.h"

#include <stdlib.h>
#include <string.h>

void finding_add(finding_list *list, severity sev, rule_id rule, const source *src,
                 const char *file, size_t offset, size_t length, const char *fmt, ...)
{
    GROW(list->items, list->cap, list->count + 1);
    finding *f = &list->items[list->count++];
    memset(f, 0, sizeof(*f));
    f->severity = sev;
    f->rule = rule;
    f->src = src;
    f->file = xstrdup(file ? file : src ? src->name : "<input>");
    /* a location computed from substituted text may run past its source: clamp */
    if (src && offset > src->len)
        offset = src->len;
    if (src && length > src->len - offset)
        length = src->len - offset;
    f->offset = offset;
    f->length = length;
    if (src) {
        source_position(src, offset, &f->line, &f->column);
        source_position(src, offset + length, &f->end_line, &f->end_column);
    }
    va_list ap;
    va_start(ap, fmt);
    f->message = xvasprintf(fmt, ap);
    va_end(ap);
}

void finding_set_statement(finding_list *list, const char *text)
{
    if (list->count == 0)
        return;
    finding *f = &list->items[list->count - 1];
    free(f->statement);
    f->statement = text ? xstrdup(text) : NULL;
}

typedef struct {
    finding f;
    size_t seq;
} seq_finding;

static int cmp_finding(const void *a, const void *b)
{
    const seq_finding *x = a, *y = b;
    int c = strcmp(x->f.file, y->f.file);
    if (c)
        return c;
    if (x->f.offset != y->f.offset)
        return x->f.offset < y->f.offset ? -1 : 1;
    if (x->f.group != y->f.group)
        return x->f.group < y->f.group ? -1 : 1;
    if (x->f.seq != y->f.seq)
        return x->f.seq < y->f.seq ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void finding_list_sort(finding_list *list)
{
    if (list->count < 2)
        return;
    seq_finding *tmp = xmalloc(list->count * sizeof(*tmp));
    for (size_t i = 0; i < list->count; i++) {
        tmp[i].f = list->items[i];
        tmp[i].seq = i;
    }
    qsort(tmp, list->count, sizeof(*tmp), cmp_finding);
    for (size_t i = 0; i < list->count; i++)
        list->items[i] = tmp[i].f;
    free(tmp);
}

void finding_list_free(finding_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].message);
        free(list->items[i].file);
        free(list->items[i].statement);
    }
    free(list->items);
    memset(list, 0, sizeof(*list));
}

const char *severity_name(severity sev)
{
    switch (sev) {
    case SEV_ERROR:
        return "error";
    case SEV_WARNING:
        return "warning";
    default:
        return "info";
    }
}
