/*
 * text.c: a script's bytes made safe to show: UTF-8 validity, and escapes for a
 * terminal; see text.h.
 */
#include "base/text.h"

#include <string.h>

size_t text_utf8_len(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned char c = p[0];
    size_t n;
    unsigned min, cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) {
        n = 2, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE ||
        cp == 0xFFFF)
        return 0;
    return n;
}

/* The code point of a valid n-byte UTF-8 character. */
static unsigned utf8_code_point(const unsigned char *p, size_t n)
{
    unsigned cp = n == 1 ? p[0] : n == 2 ? p[0] & 0x1Fu : n == 3 ? p[0] & 0x0Fu : p[0] & 0x07u;
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (p[i] & 0x3Fu);
    return cp;
}

/* Whether a terminal may act on the character instead of showing it: C1 controls,
   and the bidirectional embeddings, overrides and isolates ("Trojan Source"). */
static bool hidden_control(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F || cp == 0x061C;
}

size_t text_unit(strbuf *sb, const char *s, size_t len, size_t i, bool keep_newlines,
                        int *width)
{
    unsigned char c = (unsigned char)s[i];
    if (c == '\t' || (keep_newlines && c == '\n')) {
        if (sb)
            sb_addc(sb, (char)c);
        *width = 1;
        return i + 1;
    }
    size_t n = c < 0x20 || c == 0x7f ? 0 : text_utf8_len(s + i);
    if (n == 0 || n > len - i) {
        if (sb)
            sb_addf(sb, "\\x%02x", c);
        *width = 4;
        return i + 1;
    }
    unsigned cp = utf8_code_point((const unsigned char *)s + i, n);
    if (hidden_control(cp)) {
        if (sb)
            sb_addf(sb, "\\u%04x", cp);
        *width = 6;
        return i + n;
    }
    if (sb)
        sb_add(sb, s + i, n);
    *width = 1;
    return i + n;
}

void text_escape(strbuf *sb, const char *s, size_t len, bool keep_newlines,
                        int max_cols)
{
    int w, cols = 0;
    /* whether it all fits (stop counting once it cannot) */
    bool fits = true;
    for (size_t i = 0; max_cols > 0 && i < len && fits;) {
        i = text_unit(NULL, s, len, i, keep_newlines, &w);
        cols += w;
        fits = cols <= max_cols;
    }
    cols = 0;
    for (size_t i = 0; i < len;) {
        size_t next = text_unit(NULL, s, len, i, keep_newlines, &w);
        if (!fits && cols + w > max_cols - 3) {
            sb_adds(sb, "...");
            break;
        }
        text_unit(sb, s, len, i, keep_newlines, &w);
        cols += w;
        i = next;
    }
    if (!sb->buf)
        sb_adds(sb, "");
}
