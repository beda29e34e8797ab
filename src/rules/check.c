/*
 * check.c: how a check module reports (lint_report and the findings it holds back
 * until the end of the script); see check.h.
 */
#include "rules/check.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/*
 * The rules whose point is "this removes or renames something on purpose?": in a
 * rollback script, undoing what its migration made is the purpose, and they say
 * nothing a reviewer acts on. The lock and rewrite rules still hold there.
 */
static bool rollback_purpose(rule_id id)
{
    static const rule_id ids[] = {RULE_DROP_TABLE,     RULE_DROP_COLUMN,   RULE_DROP_NOT_NULL,
                                  RULE_DROP_CASCADE,   RULE_RENAME_COLUMN, RULE_RENAME_TABLE};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        if (ids[i] == id)
            return true;
    return false;
}

static void report_v(lint_ctx *c, finding_list *to, rule_id id, long text_loc, const char *fmt,
                     va_list ap)
{
    severity sev;
    if (!rules_severity(c->cfg, id, &sev))
        return;
    if (rollback_purpose(id) && lint_script_kind(c->s) == SCRIPT_ROLLBACK)
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

script_kind lint_script_kind(const script *s)
{
    if (s && s->extension != SCRIPT_EXT_NO)
        return SCRIPT_EXTENSION;
    const char *name = s && s->nsources ? s->sources[0]->name : NULL;
    if (!name)
        return SCRIPT_MIGRATION;
    size_t n = strlen(name);
    if ((n > 9 && strcmp(name + n - 9, ".down.sql") == 0) || strncmp(name, "revert/", 7) == 0 ||
        strstr(name, "/revert/"))
        return SCRIPT_ROLLBACK;
    return SCRIPT_MIGRATION;
}
