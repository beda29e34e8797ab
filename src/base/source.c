/*
 * source.c: loading scripts and mapping offsets to lines and columns; see source.h.
 */
#include "base/source.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"

static void index_lines(source *src)
{
    size_t cap = 0;
    src->nlines = 0;
    src->line_starts = NULL;
    GROW(src->line_starts, cap, 1);
    src->line_starts[src->nlines++] = 0;
    for (size_t i = 0; i < src->len; i++) {
        if (src->text[i] == '\n') {
            GROW(src->line_starts, cap, src->nlines + 1);
            src->line_starts[src->nlines++] = i + 1;
        }
    }
}

static source *source_adopt(const char *name, const char *real_path, char *text, size_t len)
{
    source *src = xcalloc(1, sizeof(*src));
    src->name = xstrdup(name);
    src->real_path = real_path ? xstrdup(real_path) : NULL;
    src->text = text;
    src->len = len;
    index_lines(src);
    return src;
}

source *source_load(const char *path, char **err)
{
    char *text;
    size_t len;
    if (strcmp(path, "-") == 0) {
        if (read_whole_stream(STDIN_FILENO, "<stdin>", SOURCE_MAX_SIZE, &text, &len, err) < 0)
            return NULL;
        return source_adopt("<stdin>", NULL, text, len);
    }
    if (read_whole_file(path, SOURCE_MAX_SIZE, &text, &len, err) < 0)
        return NULL;
    char *real = realpath(path, NULL);
    source *src = source_adopt(path, real, text, len);
    free(real);
    return src;
}

source *source_from_memory(const char *name, const char *real_path, const char *text,
                           size_t len)
{
    return source_adopt(name, real_path, xstrndup(text, len), len);
}

int source_check_text(const source *src, size_t *offset, char **err)
{
    const unsigned char *t = (const unsigned char *)src->text;
    /* a byte-order mark names the encoding: say which instead of "binary" (text
       of characters past U+00FF has no NUL in UTF-16, but never reads as UTF-8) */
    const char *bom = NULL;
    if (src->len >= 4 && memcmp(t, "\xff\xfe\0\0", 4) == 0)
        bom = "UTF-32LE";
    else if (src->len >= 4 && memcmp(t, "\0\0\xfe\xff", 4) == 0)
        bom = "UTF-32BE";
    else if (src->len >= 2 && memcmp(t, "\xff\xfe", 2) == 0)
        bom = "UTF-16LE";
    else if (src->len >= 2 && memcmp(t, "\xfe\xff", 2) == 0)
        bom = "UTF-16BE";
    if (bom) {
        *offset = 0;
        *err = xasprintf("not SQL text: a %s byte-order mark; pgward reads UTF-8 "
                         "(convert with: iconv -f %s -t UTF-8)",
                         bom, bom);
        return -1;
    }
    const char *nul = memchr(src->text, '\0', src->len);
    if (!nul)
        return 0;
    *offset = (size_t)(nul - src->text);
    *err = xstrdup("not SQL text: a NUL byte (a binary file?); psql stops reading a "
                   "line at a NUL");
    return -1;
}

void source_free(source *src)
{
    if (!src)
        return;
    free(src->name);
    free(src->real_path);
    free(src->text);
    free(src->line_starts);
    free(src);
}

static size_t line_index(const source *src, size_t offset)
{
    size_t lo = 0, hi = src->nlines; /* invariant: line_starts[lo] <= offset */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (src->line_starts[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

void source_position(const source *src, size_t offset, int *line, int *col)
{
    if (offset > src->len)
        offset = src->len;
    size_t li = line_index(src, offset);
    int c = 1;
    for (size_t i = src->line_starts[li]; i < offset; i++) {
        /* count characters: skip UTF-8 continuation bytes */
        if (((unsigned char)src->text[i] & 0xC0) != 0x80)
            c++;
    }
    *line = (int)li + 1;
    *col = c;
}

const char *source_line(const source *src, size_t offset, size_t *len)
{
    if (offset > src->len)
        offset = src->len;
    size_t li = line_index(src, offset);
    size_t start = src->line_starts[li];
    size_t end = start;
    while (end < src->len && src->text[end] != '\n')
        end++;
    if (end > start && src->text[end - 1] == '\r')
        end--;
    *len = end - start;
    return src->text + start;
}
