/*
 * util.h: small building blocks shared by every part of pgward.
 *
 * Allocation wrappers that abort on out-of-memory (pgward cannot do anything useful
 * without memory, and checking every malloc would bury the logic), a growable string
 * buffer, whole-file reading with a size limit, and error() in the style of git: it
 * prints "pgward: <message>" on stderr and returns -1, so callers can write
 * `return error("cannot open '%s'", path);`. Only the CLI layer exits.
 */
#ifndef PGWARD_UTIL_H
#define PGWARD_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* Prints "pgward: out of memory" and exits with 2 (pgward's input error), never an
   abort: what pgward cannot do without memory it reports like any other failure. */
void die_out_of_memory(void) __attribute__((noreturn));

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);
char *xvasprintf(const char *fmt, va_list ap) PRINTF_LIKE(1, 0);

/* Grows *items (each of size elem) so that at least need elements fit. */
void grow_array(void **items, size_t *cap, size_t need, size_t elem);
#define GROW(arr, cap, need) grow_array((void **)&(arr), &(cap), (need), sizeof(*(arr)))

/* Prints "pgward: <message>\n" on stderr; returns -1. */
int error(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* A growable, always NUL-terminated byte string. Zero-initialise or sb_init(). */
typedef struct strbuf {
    char *buf;
    size_t len;
    size_t cap;
} strbuf;

void sb_init(strbuf *sb);
void sb_grow(strbuf *sb, size_t extra);
void sb_add(strbuf *sb, const char *data, size_t len);
void sb_adds(strbuf *sb, const char *s);
void sb_addc(strbuf *sb, char c);
void sb_addf(strbuf *sb, const char *fmt, ...) PRINTF_LIKE(2, 3);
void sb_truncate(strbuf *sb, size_t len);
/* Returns the buffer (never NULL) and leaves sb empty; the caller frees it. */
char *sb_detach(strbuf *sb, size_t *len);
void sb_free(strbuf *sb);

/*
 * Reads a whole file into a NUL-terminated buffer. Returns 0, or -1 with *err set
 * to a malloc'd message ("cannot read 'x': No such file or directory", "'x' is larger
 * than N bytes", "'x' is a directory").
 */
int read_whole_file(const char *path, size_t max_size, char **data, size_t *len, char **err);

/* Reads all of a stream (stdin) with the same contract as read_whole_file. */
int read_whole_stream(int fd, const char *name, size_t max_size, char **data, size_t *len,
                      char **err);

/* Case-insensitive ASCII comparisons that ignore the locale. */
int ascii_strcasecmp(const char *a, const char *b);
int ascii_strncasecmp(const char *a, const char *b, size_t n);
/* Whether text (NULL: none) contains word, ASCII case ignored. */
bool ascii_contains_ci(const char *text, const char *word);

bool str_ends_with(const char *s, const char *suffix);

/* Whether s (NULL: never) is one of the n strings of items. */
bool str_list_has(char *const *items, size_t n, const char *s);

/* Puts s in (on) or takes it out of (!on) a set of malloc'd strings, order not kept. */
void str_set_put(char ***items, size_t *n, size_t *cap, const char *s, bool on);

#endif
