/*
 * check.c: how a check module reports (lint_report and the findings it holds back
 * until the end of the script); see check.h.
 */
#include "rules/check.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

static void report_v(lint_ctx *c, finding_list *to, rule_id id, long text_loc, const char *fmt,
                     va_list ap)
{
    severity sev;
    if (!rules_severity(c->cfg, id, &sev))
        return;
    const statement *st = c->st;
    size_t at = text_loc >= 0 ? statement_source_offset(st, (size_t)text_loc) : st->offset;
    char *msg = xvasprintf(fmt, ap);
    finding_add(to, sev, id, st->src, st->src->name, at, 0, "%s", msg);
    finding_set_statement(to, st->text);
    to->items[to->count - 1].group = 1 + (int)c->module;
    to->items[to->count - 1].seq = ++c->seq;
    free(msg);
}

void lint_report(lint_ctx *c, rule_id id, long text_loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_v(c, &c->s->findings, id, text_loc, fmt, ap);
    va_end(ap);
}

void lint_report_to(lint_ctx *c, finding_list *to, rule_id id, long text_loc, const char *fmt,
                    ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_v(c, to, id, text_loc, fmt, ap);
    va_end(ap);
}

void lint_keep(lint_ctx *c, finding_list *from)
{
    finding_list *to = &c->s->findings;
    for (size_t i = 0; i < from->count; i++) {
        GROW(to->items, to->cap, to->count + 1);
        to->items[to->count++] = from->items[i];
    }
    free(from->items);
    memset(from, 0, sizeof(*from));
}
