/*
 * source.h: a script's text as read from disk or stdin, with line and column lookup.
 *
 * Every statement and finding points back into a source by byte offset; this file
 * turns offsets into 1-based line and column numbers (columns count characters, so a
 * multi-byte UTF-8 character is one column) and extracts a line for snippets.
 * Sources are immutable once loaded, so they can be shared by threads.
 */
#ifndef PGWARD_SOURCE_H
#define PGWARD_SOURCE_H

#include <stddef.h>

/* Largest script pgward reads; anything bigger is an input error, not an OOM. */
#define SOURCE_MAX_SIZE ((size_t)256 << 20)

typedef struct source {
    char *name;        /* as shown to the user (the path given, or "<stdin>") */
    char *real_path;   /* canonical path for include resolution; NULL for stdin/memory */
    char *text;        /* NUL-terminated; len excludes the NUL */
    size_t len;
    size_t *line_starts; /* byte offset of each line's first byte */
    size_t nlines;
} source;

/*
 * Loads a file. path "-" reads stdin (named "<stdin>"). Returns NULL with *err set
 * (malloc'd, no location: the caller adds it) when the file cannot be read or is
 * larger than SOURCE_MAX_SIZE.
 */
source *source_load(const char *path, char **err);

/* Makes a source from memory (copied). real_path may be NULL. Never fails. */
source *source_from_memory(const char *name, const char *real_path, const char *text,
                           size_t len);

void source_free(source *src);

/*
 * Whether src is text pgward can read as a script. A NUL byte is the test: psql
 * reads a line only up to a NUL (the rest of its buffer is lost), no SQL text holds
 * one, and every binary file (ELF, gzip, PNG) and UTF-16 or UTF-32 text of ASCII
 * does; a UTF-16 or UTF-32 byte-order mark at the start is refused too.
 * Returns 0, or -1 with *offset at the first NUL (0 for a UTF-16/32 byte-order
 * mark) and *err a malloc'd message (no location: the caller's finding adds it).
 */
int source_check_text(const source *src, size_t *offset, char **err);

/* 1-based line and column of a byte offset (clamped to the text). */
void source_position(const source *src, size_t offset, int *line, int *col);

/* The line containing offset, without its line terminator. */
const char *source_line(const source *src, size_t offset, size_t *len);

#endif
