/*
 * pgnode.c: node kinds by name, from the table generated out of pg_query.proto;
 * see pgnode.h.
 */
#define PG_NODES_NAMES
#include "parse/pgnode.h"

#include "base/util.h"

#include <pthread.h>
#include <stdint.h>

/* An open-addressing table of the kinds by name, built once: one hash and, almost
   always, one string comparison per node (the walk asks for every node). */
#define KIND_SLOTS 1024 /* a power of two, well above PGK_COUNT */

static unsigned short kind_slots[KIND_SLOTS];
static pthread_once_t kind_once = PTHREAD_ONCE_INIT;

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void build_kinds(void)
{
    for (int k = 1; k < PGK_COUNT; k++) {
        uint32_t i = name_hash(pg_kind_names[k]) & (KIND_SLOTS - 1);
        while (kind_slots[i])
            i = (i + 1) & (KIND_SLOTS - 1);
        kind_slots[i] = (unsigned short)k;
    }
}

pg_kind pg_kind_of(const char *key)
{
    pthread_once(&kind_once, build_kinds);
    for (uint32_t i = name_hash(key) & (KIND_SLOTS - 1); kind_slots[i];
         i = (i + 1) & (KIND_SLOTS - 1))
        if (strcmp(pg_kind_names[kind_slots[i]], key) == 0)
            return (pg_kind)kind_slots[i];
    return PGK_NONE;
}

const char *pg_kind_name(pg_kind k)
{
    return (unsigned)k < PGK_COUNT ? pg_kind_names[k] : "";
}

/* A boolean option as PostgreSQL's defGetBoolean() reads it (no argument: true). */
bool option_true(const cJSON *list, const char *name)
{
    const cJSON *d = find_option(list, name);
    if (!d)
        return false;
    const cJSON *arg = field(d, PGF_arg);
    if (!arg)
        return true;
    const cJSON *i = field(arg, PGN_Integer);
    if (i) {
        const cJSON *v = field(i, PGF_ival); /* libpg_query omits 0 */
        return cJSON_IsNumber(v) && v->valuedouble != 0;
    }
    const cJSON *b = field(arg, PGN_Boolean);
    if (b)
        return bool_field(b, PGF_boolval);
    const char *s = string_node(arg);
    return !(s && (ascii_strcasecmp(s, "false") == 0 || ascii_strcasecmp(s, "off") == 0));
}

char *dotted_name(const cJSON *items)
{
    strbuf sb = {0};
    const cJSON *it;
    cJSON_ArrayForEach(it, items) {
        const char *sv = string_node(it);
        if (!sv)
            continue;
        if (sb.len)
            sb_addc(&sb, '.');
        sb_adds(&sb, sv);
    }
    if (!sb.len) {
        sb_free(&sb);
        return NULL;
    }
    return sb_detach(&sb, NULL);
}
