/*
 * placeholders.h: template placeholders other tools substitute before SQL reaches a
 * server (Flyway's ${name}, Jinja's or mustache's {{ name }}, CREATE EXTENSION's
 * @extschema@ and MODULE_PATHNAME, build-time @name@), found in a statement's tokens
 * (sql_scan), never inside a string, a comment or a dollar quote. Rule
 * template-placeholder reports them in statements that fail to parse.
 *
 *   sql_placeholder *ph;
 *   size_t n = sql_find_placeholders(text, &ph);
 *   ... ph[i].text, ph[i].tool, ph[i].off ...
 *   sql_placeholders_free(ph, n);
 */
#ifndef PGWARD_PLACEHOLDERS_H
#define PGWARD_PLACEHOLDERS_H

#include <stddef.h>

typedef struct sql_placeholder {
    char *text;         /* as written: "${schema}", "{{ schema }}", "@extschema@" */
    const char *tool;   /* who substitutes it: "Flyway (or Liquibase)", ... */
    size_t off, len;    /* where it is in the statement text */
} sql_placeholder;

/* The placeholders in text, in order; returns how many (*out malloc'd, maybe NULL). */
size_t sql_find_placeholders(const char *text, sql_placeholder **out);

void sql_placeholders_free(sql_placeholder *ph, size_t n);

#endif
