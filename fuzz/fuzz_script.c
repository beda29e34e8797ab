/*
 * fuzz_script.c: libFuzzer target for the whole front end.
 *
 * Feeds arbitrary bytes to script_read_memory() (boundary scanner, interpreter,
 * variable substitution, \if stack, libpg_query parse), runs every lint check
 * (the policy gate, transaction, migration and security rules, suppressions) over
 * the result for a restricted and an unrestricted role and without a policy, and walks every statement and finding so that a bad offset
 * or length shows up under ASan.
 *
 * Includes must never reach the real file system: forbid_includes makes every
 * \i / \ir / \include an include-error before any path is resolved (a root
 * folder alone used to be weaker: a root that did not resolve disabled the check).
 * The walk below checks it: a script with more than one source means an include
 * was read, and that is a crash. pgward never runs \! or `backticks`.
 *
 * Every finding is also rendered as the terminal and JSON reporters print it: the
 * text must hold no control byte but tab and newline (a script must not drive the
 * terminal) and no line over 400 bytes of snippet, the JSON must be valid UTF-8.
 *
 * Built with -fsanitize=fuzzer under clang, or with replay_main.c under gcc.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "report/report.h"
#include "rules/lint.h"
#include "policy/policy.h"
#include "script/script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what);

/* The staging policy, parsed once (read-only afterwards, like a loaded --policy). */
static const char fuzz_policy_text[] =
    "family eng { schema eng; pattern \"^eng_\"; }\n"
    "family vh { schema vh; pattern \"^vh_\"; }\n"
    "isolate eng, vh;\n"
    "bridge schema views reads eng, vh;\n"
    "protect schema audit;\n"
    "sensitive table pattern \"(?i)(password|secret|token)\";\n"
    "role ehg_admin { unrestricted; grant all on family eng; grant all on family vh; }\n"
    "role codex_staging { restricted; lifetime 8h; grant select, insert, update on family eng;\n"
    "  grant select on family vh; allow function public.gen_random_uuid; }\n";

static const policy *fuzz_policy_once(void)
{
    static policy *p;
    if (!p) {
        char *err = NULL;
        p = policy_parse("fuzz.policy", fuzz_policy_text, sizeof(fuzz_policy_text) - 1, &err);
        if (!p)
            fuzz_fail(err);
    }
    return p;
}

static volatile size_t sink;

static void fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_script: invariant violated: %s\n", what);
    abort();
}

static void touch(const void *p, size_t len)
{
    /* Read every byte so ASan checks the whole range. */
    const unsigned char *b = p;
    size_t acc = 0;
    for (size_t i = 0; i < len; i++)
        acc += b[i];
    sink += acc;
}

static const source *find_source(const script *s, const source *src)
{
    for (size_t i = 0; i < s->nsources; i++)
        if (s->sources[i] == src)
            return src;
    return NULL;
}

static void walk_statement(const script *s, const statement *st)
{
    if (!st->text)
        fuzz_fail("statement without text");
    touch(st->text, st->text_len + 1); /* the text is NUL-terminated */
    if (!st->src || !find_source(s, st->src))
        fuzz_fail("statement source not owned by the script");
    if (st->offset > st->src->len || st->length > st->src->len - st->offset)
        fuzz_fail("statement offset/length outside its source");
    touch(st->src->text + st->offset, st->length);
    if (st->line < 1 || st->column < 1)
        fuzz_fail("statement line/column not 1-based");
    if (st->kind)
        touch(st->kind, strlen(st->kind));
    else
        fuzz_fail("statement without kind");
    if (st->end == END_GSET) {
        if (!st->gset_prefix)
            fuzz_fail("END_GSET without prefix");
        touch(st->gset_prefix, strlen(st->gset_prefix));
    }
    if (st->copy_data) {
        if (st->copy_data < st->src->text ||
            (size_t)(st->copy_data - st->src->text) > st->src->len ||
            st->copy_data_len > st->src->len - (size_t)(st->copy_data - st->src->text))
            fuzz_fail("copy data outside its source");
        touch(st->copy_data, st->copy_data_len);
    }
    size_t covered = 0;
    for (size_t i = 0; i < st->nspans; i++) {
        const text_span *sp = &st->spans[i];
        if (sp->text_off != covered)
            fuzz_fail("spans are not contiguous in text order");
        if (sp->text_off > st->text_len || sp->len > st->text_len - sp->text_off)
            fuzz_fail("span outside statement text");
        if (sp->src_off > st->src->len || sp->src_len > st->src->len - sp->src_off)
            fuzz_fail("span outside its source");
        touch(st->text + sp->text_off, sp->len);
        touch(st->src->text + sp->src_off, sp->src_len);
        covered += sp->len;
    }
    /* statement_source_offset() "never fails": try both ends and the middle. */
    size_t probes[3] = {0, st->text_len / 2, st->text_len};
    for (size_t i = 0; i < 3; i++) {
        size_t o = statement_source_offset(st, probes[i]);
        if (o > st->src->len)
            fuzz_fail("statement_source_offset outside the source");
    }
    if (st->parse.error) {
        touch(st->parse.error, strlen(st->parse.error));
        if (st->parse.error_offset < -1 || st->parse.error_offset > (long)st->text_len)
            fuzz_fail("parse error offset outside statement text");
    }
    for (size_t i = 0; i < st->parse.nstmts; i++) {
        const char *k = sql_node_kind(st->parse.stmts[i]);
        if (k)
            touch(k, strlen(k));
        (void)sql_node_fields(st->parse.stmts[i]);
    }
    sink += (size_t)st->end + st->conditional + st->uses_runtime_vars;
}

/* The finding as lint prints it, on the terminal and in JSON: see the header. */
static void render_finding(const finding *f)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out)
        fuzz_fail("open_memstream");
    report_finding_text_help(out, f, true);
    fclose(out);
    size_t line_start = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        /* colour is pgward's own ESC: only "ESC [" then digits, ';' and 'm' */
        if (c == 0x1b) {
            size_t k = i + 1;
            if (k >= len || buf[k] != '[')
                fuzz_fail("a raw ESC in the text output");
            for (k++; k < len && (buf[k] == ';' || (buf[k] >= '0' && buf[k] <= '9')); k++)
                ;
            if (k >= len || buf[k] != 'm')
                fuzz_fail("a raw ESC in the text output");
            i = k;
            continue;
        }
        if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
            fuzz_fail("a raw control byte in the text output");
        if (c == 0xc2 && i + 1 < len && (unsigned char)buf[i + 1] >= 0x80 &&
            (unsigned char)buf[i + 1] <= 0x9f)
            fuzz_fail("a raw C1 control in the text output");
        if (c == '\n')
            line_start = i + 1;
        else if (i - line_start > 2000) /* 300 columns of message, each up to 6 bytes */
            fuzz_fail("a text output line over 2000 bytes");
    }
    free(buf);
    buf = NULL;
    out = open_memstream(&buf, &len);
    if (!out)
        fuzz_fail("open_memstream");
    report_print_json_doc(out, report_finding_json(f), false);
    fclose(out);
    for (size_t i = 0; i < len;) {
        size_t n = text_utf8_len(buf + i);
        if (n == 0)
            fuzz_fail("JSON output that is not UTF-8");
        i += n;
    }
    free(buf);
}

static void walk_finding(const script *s, const finding *f)
{
    if (!rule_name(f->rule) || !f->message || !f->file)
        fuzz_fail("finding without rule, message or file");
    touch(rule_name(f->rule), strlen(rule_name(f->rule)));
    touch(f->message, strlen(f->message));
    touch(f->file, strlen(f->file));
    if (f->severity < SEV_INFO || f->severity > SEV_ERROR)
        fuzz_fail("finding severity out of range");
    if (f->src) {
        if (!find_source(s, f->src))
            fuzz_fail("finding source not owned by the script");
        if (f->offset > f->src->len || f->length > f->src->len - f->offset)
            fuzz_fail("finding offset/length outside its source");
        touch(f->src->text + f->offset, f->length);
        size_t len = 0;
        const char *line = source_line(f->src, f->offset, &len);
        touch(line, len);
    }
    sink += (size_t)f->line + (size_t)f->column;
    render_finding(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    script_options opt = script_options_default();
    opt.forbid_includes = true;
    opt.allow_outside_root = false;
    /* \set b :b:b:b... grows a variable exponentially; the default cap (64 MB of
     * substituted text a script) costs seconds per input under ASan and trace-cmp,
     * and even 1 MB keeps the fuzzer near 120 executions/s, as it learns to hit the
     * cap. 64 KB (16 times -max_len=4096) still reaches the limit code. */
    opt.max_substitution = (size_t)64 << 10;
    /* A few variables as with -v, so :var, :'var', :"var" and :{?var} substitute. */
    script_set_var(&opt, "schema", "public");
    script_set_var(&opt, "tbl", "t1");
    script_set_var(&opt, "q", "it's \"quoted\"");
    script_set_var(&opt, "ON_ERROR_STOP", "1");
    script_set_var(&opt, "flag", "on");
    /* as lint reads: a file with CREATE EXTENSION's guard first or a placeholder is
       an extension script (its \echo lines blanked, placeholders bound in spans) */
    opt.extension_reading = true;

    script *s = script_read_memory("fuzz.sql", (const char *)data, size, &opt);
    if (!s)
        fuzz_fail("script_read_memory returned NULL");
    if (s->nsources != 1)
        fuzz_fail("an include was read: the include sandbox leaked");
    for (size_t i = 0; i < s->nsources; i++)
        touch(s->sources[i]->text, s->sources[i]->len + 1);
    for (size_t i = 0; i < s->nstmts; i++)
        walk_statement(s, &s->stmts[i]);
    /* the policy gate over the same statements, as a restricted and an unrestricted
       role (gate.h); its findings must point inside the source too */
    const policy *pol = fuzz_policy_once();
    /* every check lint runs (gate, transaction, migration, security rules and the
       suppressions), as a restricted and an unrestricted role, and without a policy */
    lint_config with_policy = {.policy = pol, .pg_version = 15};
    lint_config without = {.pg_version = 10};
    lint_check_script(&with_policy, policy_find_role(pol, "codex_staging"), s);
    lint_check_script(&with_policy, policy_find_role(pol, "ehg_admin"), s);
    lint_check_script(&without, NULL, s);
    for (size_t i = 0; i < s->findings.count; i++)
        walk_finding(s, &s->findings.items[i]);

    script_free(s);
    script_options_free(&opt);
    return 0;
}
