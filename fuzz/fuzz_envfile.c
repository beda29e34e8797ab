/*
 * fuzz_envfile.c: libFuzzer target for the env-file parser (src/conn/conn.c,
 * conn_params_parse_env, what `--env-file` reads).
 *
 * Feeds arbitrary bytes to conn_params_parse_env(). An invalid file must give an
 * error "fuzz.env:LINE:COL: message" whose line and column lie inside the input;
 * a valid one gives only keywords libpq knows, at most one pair per line, and its
 * pairs, written back as an env file (`ENVVAR="value"` with \" and \\ escaped, and
 * `export ENVVAR='value'` where the value has no quote), parse to the same pairs.
 * Input without CR must give exactly the same result with every LF turned into
 * CRLF. Anything else aborts, so libFuzzer reports it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn/conn.h"
#include "base/util.h"

#define NAME "fuzz.env"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static PQconninfoOption *defaults;

static void fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_envfile: invariant violated: %s\n%s\n", what, detail ? detail : "");
    abort();
}

/* The environment variable libpq reads for keyword, or NULL. */
static const char *envvar_for(const char *keyword)
{
    for (const PQconninfoOption *o = defaults; o && o->keyword; o++)
        if (o->envvar && strcmp(o->keyword, keyword) == 0)
            return o->envvar;
    return NULL;
}

static int parse(const char *text, size_t len, conn_params *p, char **err)
{
    memset(p, 0, sizeof(*p));
    *err = NULL;
    int rc = conn_params_parse_env(NAME, text, len, p, err);
    if (rc != 0 && rc != -1)
        fuzz_fail("a return value other than 0 and -1", NULL);
    if ((rc == 0) != (*err == NULL))
        fuzz_fail("an error message without an error, or the other way", *err);
    return rc;
}

static void same_pairs(const conn_params *a, const conn_params *b, const char *what)
{
    if (a->n != b->n)
        fuzz_fail(what, "a different number of pairs");
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->keys[i], b->keys[i]) != 0 || strcmp(a->values[i], b->values[i]) != 0)
            fuzz_fail(what, a->values[i]);
}

static void check_error(const char *text, size_t len, const char *err)
{
    int line = 0, col = 0, used = 0;
    if (sscanf(err, NAME ":%d:%d: %n", &line, &col, &used) != 2 || used == 0 || line < 1 ||
        col < 1)
        fuzz_fail("error without name:line:col", err);
    /* the line exists and the column lies in it (or just past its end) */
    const char *l = text, *end = text + len;
    for (int k = 1; k < line; k++) {
        const char *nl = memchr(l, '\n', (size_t)(end - l));
        if (!nl)
            fuzz_fail("error on a line past the end", err);
        l = nl + 1;
    }
    const char *nl = memchr(l, '\n', (size_t)(end - l));
    size_t n = nl ? (size_t)(nl - l) : (size_t)(end - l);
    if ((size_t)col > n + 1)
        fuzz_fail("error past the end of its line", err);
    static const char *const messages[] = {
        "expected KEY=VALUE",
        "expected '=' after the key",
        "unterminated quoted value",
        "unexpected text after the quoted value",
        "NUL byte in the value of '",
        "unknown PostgreSQL connection variable 'PG",
    };
    for (size_t i = 0; i < ARRAY_SIZE(messages); i++)
        if (strncmp(err + used, messages[i], strlen(messages[i])) == 0)
            return;
    fuzz_fail("an unknown message", err);
}

static void check_params(const char *text, size_t len, const conn_params *p)
{
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    if (p->n > lines)
        fuzz_fail("more pairs than lines", NULL);
    for (size_t i = 0; i < p->n; i++) {
        if (!p->keys[i] || !p->values[i])
            fuzz_fail("a NULL key or value", NULL);
        if (!envvar_for(p->keys[i]))
            fuzz_fail("a keyword libpq does not read from the environment", p->keys[i]);
        if (strchr(p->values[i], '\n'))
            fuzz_fail("a newline in a value", p->values[i]);
        if (strlen(p->values[i]) > len)
            fuzz_fail("a value longer than the input", p->values[i]);
    }
}

/* The pairs written back as an env file, double-quoted or (when possible) single. */
static char *write_back(const conn_params *p, bool single, size_t *len)
{
    strbuf sb = {0};
    sb_adds(&sb, "# written back\n");
    for (size_t i = 0; i < p->n; i++) {
        const char *v = p->values[i];
        if (single && !strchr(v, '\'')) {
            sb_addf(&sb, "export %s='%s' # comment\n", envvar_for(p->keys[i]), v);
            continue;
        }
        sb_addf(&sb, "%s=\"", envvar_for(p->keys[i]));
        for (; *v; v++) {
            if (*v == '"' || *v == '\\')
                sb_addc(&sb, '\\');
            sb_addc(&sb, *v);
        }
        sb_adds(&sb, "\"\n\n");
    }
    return sb_detach(&sb, len);
}

static void check_round_trip(const conn_params *p, bool single)
{
    size_t len;
    char *text = write_back(p, single, &len);
    conn_params q;
    char *err;
    if (parse(text, len, &q, &err) != 0)
        fuzz_fail("the pairs written back do not parse", err);
    same_pairs(p, &q, "the pairs written back parse to other pairs");
    conn_params_free(&q);
    free(text);
}

/* text with every LF made CRLF; NULL when text holds a CR already. */
static char *with_crlf(const char *text, size_t len, size_t *out_len)
{
    if (memchr(text, '\r', len))
        return NULL;
    strbuf sb = {0};
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n')
            sb_addc(&sb, '\r');
        sb_addc(&sb, text[i]);
    }
    return sb_detach(&sb, out_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!defaults && !(defaults = PQconndefaults()))
        return 0;
    const char *text = (const char *)data;
    conn_params p;
    char *err;
    int rc = parse(text, size, &p, &err);
    if (rc < 0)
        check_error(text, size, err);
    check_params(text, size, &p);
    if (rc == 0) {
        check_round_trip(&p, false);
        check_round_trip(&p, true);
    }

    size_t clen;
    char *crlf = with_crlf(text, size, &clen);
    if (crlf) {
        conn_params q;
        char *err2;
        int rc2 = parse(crlf, clen, &q, &err2);
        if (rc2 != rc || (rc < 0 && strcmp(err, err2) != 0))
            fuzz_fail("CRLF line ends change the result", err2 ? err2 : err);
        same_pairs(&p, &q, "CRLF line ends change the pairs");
        free(err2);
        conn_params_free(&q);
        free(crlf);
    }
    free(err);
    conn_params_free(&p);
    return 0;
}
