/*
 * stage.h: a throwaway staging PostgreSQL 15 on loopback (`pgward stage`).
 *
 * A stage is a folder (DIR) that holds, and is recognised by, the marker
 * DIR/stage.json (port, data folder, binaries, creation time, credential lifetime,
 * database). Everything of the stage lives inside DIR:
 *
 *   DIR/stage.json    the marker (JSON); nothing without it is ever removed
 *   DIR/data/         the cluster (owned by the postgres OS user when run as root)
 *   DIR/run/          the server's Unix socket
 *   DIR/server.log    the server's log (connections, DDL: the audit trail's evidence)
 *   DIR/.env.admin    PG* variables of the policy's admin (mode 0600)
 *   DIR/.env.staging  PG* variables of its automation role, whose password
 *                     expires (0600)
 *
 * stage_up() makes one: initdb (scram-sha-256, a random superuser password that is
 * only ever in a 0600 file for initdb and in memory), 127.0.0.1:port, pg_ctl start,
 * CREATE DATABASE staging, the setup script of the policy (provision.h: the
 * audit trail, the roles, schemas and privileges the policy names), random
 * passwords for the policy's admin (its first unrestricted role) and automation
 * role (its default role; sent as SCRAM verifiers computed here, never as text;
 * the automation role's VALID UNTIL now() + ttl as the server computes it), the
 * env files, then the evidence. A stage that already runs is reported and left as it
 * is; one whose server is gone (a reboot, a killed postmaster) is replaced. Any
 * failure stops the server and removes the folder: never a half-made stage.
 * stage_status() reports; stage_down() stops the server and removes the folder.
 *
 * Commands that change a stage hold an exclusive flock() on DIR, so two of them
 * never work on the same stage at once. Nothing here exits; messages go to o->out
 * (what happened) and o->err ("pgward: ..." errors).
 *
 *   stage_opts o = stage_opts_default();
 *   o.dir = ".pgward/stage"; o.port = 5434; o.ttl_seconds = 8 * 3600;
 *   switch (stage_up(&o)) { case STAGE_DONE: ... }
 */
#ifndef PGWARD_STAGE_H
#define PGWARD_STAGE_H

#include <stdio.h>

#include "policy/policy.h"

#define STAGE_DEFAULT_PORT 5434
#define STAGE_DEFAULT_TTL (8L * 3600)
#define STAGE_MAX_TTL (7L * 86400)
#define STAGE_DATABASE "staging"

typedef struct stage_opts {
    const char *dir;  /* the stage folder, as the user wrote it (messages show it so) */
    int port;         /* up: TCP port on 127.0.0.1 */
    long ttl_seconds; /* up: how long the automation role's password is valid */
    const policy *policy; /* up: what to set up (its roles, schemas, privileges) */
    FILE *steps;      /* up: a terminal to print its steps on as they start, or NULL */
    FILE *out;        /* reports */
    FILE *err;        /* errors */
} stage_opts;

typedef enum stage_result {
    STAGE_DONE,        /* up: running (started, or already); status: running;
                          down: removed, or there was nothing to remove */
    STAGE_FAILED,      /* reported on o->err; up: nothing left behind */
    STAGE_NOT_RUNNING, /* status: the stage exists, its server does not answer */
    STAGE_ABSENT,      /* status: no stage in the folder */
    STAGE_INTERRUPTED, /* up: SIGINT/SIGTERM/SIGHUP arrived; nothing left behind */
} stage_result;

stage_opts stage_opts_default(void);

/* The default folder: $PGWARD_STAGE_DIR, else ".pgward/stage" (not malloc'd). */
const char *stage_default_dir(void);

/*
 * Parses a lifetime: "30m", "8h", "2d", "3600s" or plain seconds. Returns 0 with
 * *seconds, or -1 when it is malformed, not above zero or above STAGE_MAX_TTL.
 */
int stage_parse_ttl(const char *text, long *seconds);

stage_result stage_up(const stage_opts *o);
stage_result stage_status(const stage_opts *o);
stage_result stage_down(const stage_opts *o);

/* The signal that interrupted the last stage_up() (0 when none). */
int stage_signal(void);

#endif
