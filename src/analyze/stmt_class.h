/*
 * stmt_class.h: the classes of work a statement does, the vocabulary the analysis
 * describes statements in and a policy grants in (`allow select, insert on ...`).
 */
#ifndef PGWARD_STMT_CLASS_H
#define PGWARD_STMT_CLASS_H

#include <stddef.h>

/* Statement classes (a bit set). */
enum {
    CLASS_SELECT = 1u << 0,
    CLASS_INSERT = 1u << 1,
    CLASS_UPDATE = 1u << 2,
    CLASS_DELETE = 1u << 3,
    CLASS_TRUNCATE = 1u << 4,
    CLASS_DDL = 1u << 5,
    CLASS_DCL = 1u << 6,
    CLASS_MAINTENANCE = 1u << 7,
    CLASS_CALL = 1u << 8,
    CLASS_COPY = 1u << 9,
    CLASS_ALL = (1u << 10) - 1,
};

/* The class names in canonical order ("select", ...), and their bits. */
extern const char *const stmt_class_names[];
extern const unsigned stmt_class_bits[];
extern const size_t stmt_nclasses;

#endif
