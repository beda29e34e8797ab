/*
 * facts.c: the facts' storage (an arena per statement: one free for everything
 * the analysis allocated), names and search_path values; see facts.h. The walk
 * that fills facts is walk.c, bodies are bodies.c.
 */
#include "analyze/walker.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

const char *const stmt_class_names[] = {
    "select", "insert", "update", "delete", "truncate", "ddl", "dcl", "maintenance", "call",
    "copy",
};
const unsigned stmt_class_bits[] = {
    CLASS_SELECT, CLASS_INSERT, CLASS_UPDATE, CLASS_DELETE, CLASS_TRUNCATE,
    CLASS_DDL, CLASS_DCL, CLASS_MAINTENANCE, CLASS_CALL, CLASS_COPY,
};
const size_t stmt_nclasses = ARRAY_SIZE(stmt_class_names);

/* ------------------------------------------------------------------ arena */

#define ARENA_CHUNK 4096

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, size;
    max_align_t data[];
} arena_chunk;

/* Parse results the facts own (bodies), freed with them. */
typedef struct owned_parse {
    struct owned_parse *next;
    parsed_sql parse;
    cJSON *json;
} owned_parse;

typedef struct facts_arena {
    arena_chunk *chunks;
    owned_parse *parses;
} facts_arena;

void *facts_alloc(stmt_facts *f, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    arena_chunk *c = f->arena->chunks;
    if (!c || c->size - c->used < n) {
        size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        c = xmalloc(sizeof(arena_chunk) + size);
        c->size = size;
        c->used = 0;
        c->next = f->arena->chunks;
        f->arena->chunks = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

const char *facts_strndup(stmt_facts *f, const char *s, size_t n)
{
    char *p = facts_alloc(f, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

const char *facts_strdup(stmt_facts *f, const char *s)
{
    return s ? facts_strndup(f, s, strlen(s)) : NULL;
}

void facts_own_parse(stmt_facts *f, parsed_sql *p, cJSON *json)
{
    owned_parse *o = xcalloc(1, sizeof(*o));
    if (p)
        o->parse = *p;
    o->json = json;
    o->next = f->arena->parses;
    f->arena->parses = o;
}

stmt_facts *facts_new(const statement *st)
{
    stmt_facts *f = xcalloc(1, sizeof(*f));
    f->st = st;
    f->arena = xcalloc(1, sizeof(facts_arena));
    f->unparsed = st->parse.error != NULL;
    f->nunits = st->parse.error ? 0 : st->parse.nstmts;
    f->units = f->nunits ? xcalloc(f->nunits, sizeof(unit_info)) : NULL;
    return f;
}

void facts_free(stmt_facts *f)
{
    if (!f)
        return;
    for (arena_chunk *c = f->arena->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    for (owned_parse *o = f->arena->parses, *next; o; o = next) {
        next = o->next;
        parsed_sql_free(&o->parse);
        cJSON_Delete(o->json);
        free(o);
    }
    free(f->arena);
    free(f->units);
    free(f->rels);
    free(f->calls);
    free(f->path_refs);
    free(f->settings);
    free(f->objects);
    free(f->locks);
    free(f->public_grants);
    free(f->dml);
    free(f->defined);
    free(f->bodies);
    free(f->paths);
    free(f);
}

/* ------------------------------------------------------------------ search_paths */

int facts_add_path(stmt_facts *f, bool known, const char *const *elts, size_t n,
                   const char *unknown_why)
{
    search_path_state *p = FACTS_PUSH(f->paths, f->npaths, f->cappaths);
    p->known = known;
    p->unknown_why = known ? NULL : unknown_why;
    if (known && n) {
        const char **copy = facts_alloc(f, n * sizeof(char *));
        for (size_t i = 0; i < n; i++)
            copy[i] = facts_strdup(f, elts[i]);
        p->elts = copy;
        p->nelts = n;
    }
    return (int)(f->npaths - 1);
}

/* ------------------------------------------------------------------ names */

const char *facts_lower(stmt_facts *f, const char *s)
{
    size_t n = strlen(s);
    char *p = facts_alloc(f, n + 1);
    for (size_t i = 0; i <= n; i++)
        p[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
    return p;
}

bool qname_match(qname a, qname b)
{
    if (!a.name || !b.name || strcmp(a.name, b.name) != 0)
        return false;
    return !a.schema || !b.schema || strcmp(a.schema, b.schema) == 0;
}

char *qname_text(qname q)
{
    return q.schema ? xasprintf("%s.%s", q.schema, q.name ? q.name : "?")
                    : xstrdup(q.name ? q.name : "?");
}

size_t facts_split_path(stmt_facts *f, const char *value, const char ***elts)
{
    size_t n = 0, cap = 0;
    const char **out = NULL;
    const char *p = value;
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        strbuf sb = {0};
        sb_adds(&sb, "");
        if (*p == '"') {
            for (p++; *p; p++) {
                if (*p == '"' && p[1] == '"') {
                    sb_addc(&sb, '"');
                    p++;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    sb_addc(&sb, *p);
                }
            }
        } else {
            const char *start = p;
            while (*p && *p != ',')
                p++;
            const char *end = p;
            while (end > start && isspace((unsigned char)end[-1]))
                end--;
            for (const char *q = start; q < end; q++)
                sb_addc(&sb, (char)tolower((unsigned char)*q));
        }
        GROW(out, cap, n + 1);
        out[n++] = facts_strndup(f, sb.buf, sb.len);
        sb_free(&sb);
        while (*p && *p != ',')
            p++;
        if (*p != ',')
            break;
        p++;
    }
    const char **kept = facts_alloc(f, n * sizeof(char *));
    memcpy(kept, out, n * sizeof(char *));
    free(out);
    *elts = kept;
    return n;
}
