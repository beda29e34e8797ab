/*
 * util.c: allocation wrappers, strbuf, file reading and error(); see util.h.
 */
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void die_out_of_memory(void)
{
    static const char msg[] = "pgward: out of memory\n";
    /* no stdio: it may need memory, and another thread may hold its lock */
    ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)w;
    _exit(2);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die_out_of_memory();
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        die_out_of_memory();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die_out_of_memory();
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
    strbuf sb = {0};
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return xstrdup(fmt);
    sb_grow(&sb, (size_t)n);
    vsnprintf(sb.buf, (size_t)n + 1, fmt, ap);
    sb.len = (size_t)n;
    return sb_detach(&sb, NULL);
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

void grow_array(void **items, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return;
    size_t ncap = *cap ? *cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    if (ncap > SIZE_MAX / elem)
        die_out_of_memory();
    *items = xrealloc(*items, ncap * elem);
    *cap = ncap;
}

int error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("pgward: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

void sb_init(strbuf *sb)
{
    sb->buf = NULL;
    sb->len = 0;
    sb->cap = 0;
}

void sb_grow(strbuf *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap)
        return;
    size_t ncap = sb->cap ? sb->cap : 64;
    while (ncap < sb->len + extra + 1) {
        if (ncap > SIZE_MAX / 2)
            die_out_of_memory();
        ncap *= 2;
    }
    sb->buf = xrealloc(sb->buf, ncap);
    sb->cap = ncap;
}

void sb_add(strbuf *sb, const char *data, size_t len)
{
    sb_grow(sb, len);
    if (len)
        memcpy(sb->buf + sb->len, data, len);
    sb->len += len;
    sb->buf[sb->len] = '\0';
}

void sb_adds(strbuf *sb, const char *s)
{
    sb_add(sb, s, strlen(s));
}

void sb_addc(strbuf *sb, char c)
{
    sb_add(sb, &c, 1);
}

void sb_addf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    sb_adds(sb, s);
    free(s);
}

void sb_truncate(strbuf *sb, size_t len)
{
    if (len < sb->len) {
        sb->len = len;
        sb->buf[len] = '\0';
    }
}

char *sb_detach(strbuf *sb, size_t *len)
{
    char *p = sb->buf ? sb->buf : xstrdup("");
    if (len)
        *len = sb->len;
    sb_init(sb);
    return p;
}

void sb_free(strbuf *sb)
{
    free(sb->buf);
    sb_init(sb);
}

int read_whole_stream(int fd, const char *name, size_t max_size, char **data, size_t *len,
                      char **err)
{
    strbuf sb = {0};
    for (;;) {
        sb_grow(&sb, 65536);
        ssize_t n = read(fd, sb.buf + sb.len, 65536);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            *err = xasprintf("cannot read '%s': %s", name, strerror(errno));
            sb_free(&sb);
            return -1;
        }
        if (n == 0)
            break;
        sb.len += (size_t)n;
        if (sb.len > max_size) {
            *err = xasprintf("'%s' is larger than %zu bytes", name, max_size);
            sb_free(&sb);
            return -1;
        }
    }
    sb_grow(&sb, 0);
    sb.buf[sb.len] = '\0';
    *data = sb_detach(&sb, len);
    return 0;
}

int read_whole_file(const char *path, size_t max_size, char **data, size_t *len, char **err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *err = xasprintf("cannot read '%s': %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        *err = xasprintf("'%s' is a directory", path);
        return -1;
    }
    int rc = read_whole_stream(fd, path, max_size, data, len, err);
    close(fd);
    return rc;
}

int ascii_strncasecmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ca = (unsigned char)a[i], cb = (unsigned char)b[i];
        if (ca >= 'A' && ca <= 'Z')
            ca += 'a' - 'A';
        if (cb >= 'A' && cb <= 'Z')
            cb += 'a' - 'A';
        if (ca != cb)
            return ca - cb;
        if (ca == 0)
            return 0;
    }
    return 0;
}

bool ascii_contains_ci(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text; p && *p; p++)
        if (ascii_strncasecmp(p, word, n) == 0)
            return true;
    return false;
}

int ascii_strcasecmp(const char *a, const char *b)
{
    return ascii_strncasecmp(a, b, SIZE_MAX);
}

bool str_ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

bool str_list_has(char *const *items, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(items[i], s) == 0)
            return true;
    return false;
}

void str_set_put(char ***items, size_t *n, size_t *cap, const char *s, bool on)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp((*items)[i], s) == 0) {
            if (!on) {
                free((*items)[i]);
                (*items)[i] = (*items)[--*n];
            }
            return;
        }
    }
    if (on) {
        GROW(*items, *cap, *n + 1);
        (*items)[(*n)++] = xstrdup(s);
    }
}
