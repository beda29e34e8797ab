/*
 * directives.h: the comments by which migration runners take a file out of its
 * transaction, and where a runner's "up" migration ends, recognised in one place
 * for lint, bundle and apply alike (one table, directives.c).
 *
 * Each directive is recognised where its runner looks for it:
 *   pgward               `-- pgward:no-transaction`, a line of its own, anywhere
 *   dbmate               `-- migrate:up` with the option `transaction:false`, on the
 *                        up marker's own line, before any statement (only blank
 *                        and `--` comment lines above it)
 *   goose                `-- +goose NO TRANSACTION`, a line of its own, anywhere
 *   graphile-migrate     `--! no-transaction`, the file's first line
 *   postgres-migrations  `-- postgres-migrations disable-transaction`, a line of
 *                        its own, anywhere (the tool looks for the text anywhere;
 *                        pgward asks for a whole line so prose does not count)
 *   flyway               `executeInTransaction=false` in the script's own
 *                        configuration file, `<script>.sql.conf` next to it (read
 *                        from disk only; a bundle does not carry it, so bundle and
 *                        apply ignore it: lint_config.bundled)
 * Case and spacing exactly as written (a space or tab may stand for each space;
 * blanks around the line are ignored).
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
