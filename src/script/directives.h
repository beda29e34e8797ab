/*
 * directives.h: the comments by which migration runners take a file out of its
 * transaction, and where a runner's "up" migration ends, recognised in one place
 * for lint, bundle and apply alike (one table, directives.c).
 *
 * Each directive is recognised where and as its runner reads it:
 *   pgward               `-- pgward:no-transaction`, a line of its own, anywhere
 *                        (blanks around it; one space or tab after "--")
 *   dbmate               `transaction:false` among the words after the up marker
 *                        `--migrate:up` (any blanks after "--"; at the start of a
 *                        line), with only blank and `--` comment lines above it
 *   goose                `-- +goose NO TRANSACTION`: a line starting with "--"
 *                        whose rest, trimmed, is `+goose NO TRANSACTION`; anywhere,
 *                        the down part too (goose reads the whole file)
 *   graphile-migrate     `--! no-transaction` (any blanks after "--!", then a
 *                        word boundary) on the first line of the migration's body:
 *                        the file's first line, or the first after a committed
 *                        migration's `--! Previous:` / `--! Hash:` headers and the
 *                        blank line ending them
 *   postgres-migrations  the text `-- postgres-migrations disable-transaction`
 *                        anywhere (the tool searches for it as a substring)
 *   flyway               `executeInTransaction=false` in the script's own
 *                        configuration file, `<script>.sql.conf` next to it (read
 *                        from disk only; a bundle does not carry it, so bundle and
 *                        apply ignore it: lint_config.bundled)
 * Case-sensitive, as the runners are. Except goose's, a directive in a dbmate or
 * goose file's down part does not count.
 */
#ifndef PGWARD_DIRECTIVES_H
#define PGWARD_DIRECTIVES_H

#include <stdbool.h>
#include <stddef.h>

#include "base/source.h"

typedef struct txn_directive {
    const char *runner;   /* "pgward", "dbmate", ... */
    const char *text;     /* as the user writes it (messages) */
    const char *named;    /* how messages name a file that has it: "marked '...'
                             (dbmate transaction:false)" */
    bool side_file;       /* read from a file next to the script (Flyway's .conf),
                             which a bundle does not carry */
} txn_directive;

/* The no-transaction directive src holds, or NULL. */
const txn_directive *source_txn_directive(const source *src);

/*
 * Where the "up" migration of a dbmate or goose file ends: the offset of its
 * `-- migrate:down` or `-- +goose Down` line when the file has the matching up
 * marker before it, else src->len. What follows is the runner's rollback, which
 * it runs only when asked to migrate down: pgward neither lints nor applies it.
 */
size_t source_up_end(const source *src);

#endif
