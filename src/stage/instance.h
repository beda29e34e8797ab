/*
 * instance.h: what the files of pgward stage share: a stage being worked on and
 * its failure and signal handling (instance.c), its folder and marker (folder.c),
 * its cluster's processes (process.c, above folder.c), its database: setup,
 * passwords, evidence (database.c); stage.c runs up, status and down on them all.
 */
#ifndef PGWARD_STAGE_INSTANCE_H
#define PGWARD_STAGE_INSTANCE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include <libpq-fe.h>

#include "base/util.h"
#include "policy/policy.h"
#include "stage/stage.h"

#define MARKER_NAME "stage.json"
#define MARKER_FORMAT "pgward-stage 1"
#define PG_START_TIMEOUT "60" /* seconds pg_ctl waits for start and stop */
#define MAX_OUTPUT ((size_t)64 << 10)

typedef struct stage {
    const stage_opts *o;
    const char *shown; /* DIR as the user wrote it */
    char *dir;         /* absolute (canonical once it exists) */
    char *data, *run, *log, *marker, *pwfile, *env_admin, *env_staging;
    char *shown_env_admin, *shown_env_staging;
    char *bindir;
    bool as_postgres; /* root: server commands run as the postgres OS user */
    uid_t pg_uid;
    gid_t pg_gid;
    char *pg_home;
    int lock_fd;
    char **created; /* folders made by this run (parents first), removed on failure */
    size_t ncreated, capcreated;
    bool dir_made;  /* DIR itself was made by this run, or held a stale stage */
    bool started;   /* pg_ctl start was run: stop the server on failure */
    bool no_socket; /* the socket path would be too long: TCP only */
} stage;

/* What stage.json holds. */
typedef struct marker {
    int port;
    long ttl_seconds;
    char *bindir, *created, *expires, *database;
    char *admin, *automation; /* the roles of the env files */
    bool ready;
} marker;

typedef struct evidence {
    char *version;       /* version() */
    char *short_version; /* "15.8" */
    char *database, *user, *row_security; /* as the automation role */
    char *schemas;                        /* "audit, eng, vh, views" */
    strbuf grants;                        /* lines: "eng.t  INSERT, SELECT" */
    strbuf bootstrap;                     /* lines: "item  healthy  set up at" */
    bool unhealthy;
} evidence;

/* instance.c */
void stage_init(stage *s, const stage_opts *o);
void stage_free(stage *s);
void stage_set_paths(stage *s, char *dir);
int stage_fail(stage *s, const char *fmt, ...) PRINTF_LIKE(2, 3);
void stage_format_left(long secs, char *out, size_t n);
void stage_on_signal(int sig);
void stage_signal_reset(void);

/* the other files */
int stage_append_config(stage *s, int port);
int stage_check_path_text(stage *s);
int stage_child_become_postgres(const stage *s);
int stage_collect_evidence(const policy *p, PGconn *admin, PGconn *codex, evidence *e,
                            char **err);
PGconn *stage_connect_superuser(int port, const char *password, const char *db, char **err);
bool stage_dir_is_empty(const char *path);
void stage_evidence_free(evidence *e);
int stage_exec_sql(PGconn *c, const char *sql, const char *what, char **err);
char *stage_file_tail(const char *path, int max);
int stage_find_bindir(stage *s, const char *preferred);
int stage_find_postgres_user(stage *s);
int stage_initdb(stage *s, const char *superuser_pw);
void stage_iso_utc(time_t t, char out[32]);
int stage_lock(stage *s, bool create);
int stage_make_server_dir(stage *s, const char *path, mode_t mode);
time_t stage_parse_iso_utc(const char *s);
int stage_pg_ctl(stage *s, const char *const args[], strbuf *out);
bool stage_port_in_use(int port);
int stage_postgres_can_reach(stage *s);
long stage_postmaster_pid(const stage *s);
void stage_print_evidence(stage *s, const evidence *e, const marker *m);
void stage_print_indented(stage *s, const char *text);
int stage_random_password(char out[33]);
int stage_read_marker(stage *s, marker *m);
void stage_remove_made_parents(stage *s);
int stage_remove_dir(stage *s, bool remove_dir);
PGresult *stage_run_sql(PGconn *c, const char *sql, int nparams, const char *const *params,
                         const char *what, char **err);
int stage_set_password(PGconn *c, const char *role, const char *password, const char *until,
                        char **err);
bool stage_running(const stage *s, int port);
int stage_start_server(stage *s, int port);
int stage_write_marker(stage *s, const marker *m);
int stage_write_new_file(stage *s, const char *path, mode_t mode, bool chown_pg,
                          const char *text);

#endif
