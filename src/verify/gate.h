/*
 * gate.h: what every gate of pgward verify builds on (gate.c): the run's context,
 * recording evidence and problems, catalog queries and the words of the report.
 * The gates: privileges.c, isolation.c, audit_trail.c (one larger gate each),
 * assumptions.c (the catalog's assumptions, which apply checks too) and verify.c (the
 * smaller gates, the order they run in, the report).
 */
#ifndef PGWARD_VERIFY_GATE_H
#define PGWARD_VERIFY_GATE_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "base/util.h"
#include "conn/conn.h"
#include "policy/query.h"
#include "verify/verify.h"

/* Schemas that are not the system's (pg_catalog, pg_toast, temp schemas, ...). */
#define USER_NSP(n) "(" n ".nspname !~ '^pg_' AND " n ".nspname <> 'information_schema')"
#define UTC_TEXT(x) "to_char((" x ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define NOT_EXT_MEMBER(cls, oid)                                                        \
    "NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '" cls "'::regclass AND " \
    "e.objid = " oid " AND e.deptype = 'e')"
/* "" when the ACL entry is the role's own, else the role it holds it through. */
#define VIA "CASE WHEN a.grantee = r.oid THEN '' ELSE pg_get_userbyid(a.grantee) END"
#define REL_ACL                                                                         \
    "aclexplode(coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' "      \
    "ELSE 'r' END::\"char\", c.relowner)))"
#define REL_KINDS "c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')"

/* At most this many isolated families are told apart (bits of a uint64_t). */
#define MAX_ISOLATED 64

typedef struct vctx {
    PGconn *c;
    const policy *p;
    verify_report *r;
    char *err;               /* a fatal error: verify_database returns -1 */
    char **schemas;          /* the database's user schemas */
    char **owners;
    int *iso;                /* each one's isolated family (index into p->isolated) or -1 */
    size_t nschemas, capschemas, capowners, capiso;
} vctx;

/* ------------------------------------------------------------------ recording */

/* A new gate of the report, named id (e.g. "privileges"), with no lines yet. */
verify_gate *gate_add(vctx *v, const char *id, const char *title);
/* A part of gate g (one check it is made of), named id, with no lines yet. */
verify_gate *gate_part(verify_gate *g, const char *id, const char *title);
/* Frees a gate's lines and parts (not g itself). */
void gate_free(verify_gate *g);
/* Adds a line of evidence (what was seen) or a problem (what makes it NO-GO). */
void gate_evidence(verify_gate *g, const char *fmt, ...) PRINTF_LIKE(2, 3);
void gate_problem(verify_gate *g, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* ------------------------------------------------------------------ catalog queries */

/* Lists the database's user schemas, their owners and isolated families into v;
   vctx_free_schemas() frees them. */
void vctx_read_schemas(vctx *v);
void vctx_free_schemas(vctx *v);

/* Runs a query; NULL with *msg ("message [SQLSTATE x]") when it fails. A lost
   connection is also fatal (v->err). */
PGresult *catalog_try(vctx *v, const char *sql, int n, const char *const *params, char **msg);
/* A catalog query that must work: NULL after setting v->err ("what: message"). */
PGresult *catalog_query(vctx *v, const char *what, const char *sql, int n,
                        const char *const *params);
/* A cell as text (NULL when null), as a boolean ('t'), as a number (0 when null). */
const char *cell_text(const PGresult *res, int row, int col);
bool cell_bool(const PGresult *res, int row, int col);
long cell_long(const PGresult *res, int row, int col);

/* ------------------------------------------------------------------ words */

/* "select, insert" for a set of classes, "none" when empty; the caller frees it. */
char *class_list(unsigned bits);
/* "3h05m", "2d04h", "45s": a duration for people; the caller frees it. */
char *duration_text(long long secs);
/* "table", "view", ... for a pg_class.relkind. */
const char *relkind_word(const char *kind);
/* "granted directly by X" / "through membership in Y, granted by X"; freed by the caller. */
char *how_held(const char *via, const char *grantor);
/* The class a table privilege needs (an unknown privilege counts as ddl). */
unsigned table_priv_class(const char *priv);

/* ------------------------------------------------------------------ isolation */

/* The isolated family (index into p->isolated) of a schema, or -1; only the first
   MAX_ISOLATED families are told apart. schema_iso() reads the database's schemas
   first. */
int iso_of(const policy *p, const char *schema);
int schema_iso(const vctx *v, const char *schema);

/* The larger gates, one file each. */
void gate_privileges(vctx *v);
void gate_audit_trail(vctx *v, const char *journal_path);
/* The audit trail's durations per run, as evidence of g (durations.c). */
void audit_trail_durations(vctx *v, verify_gate *g);
/* The gate budget: only when the policy sets one (durations.c). */
void gate_budget(vctx *v);

/* The catalog's assumptions (assumptions.c, isolation.c), each into a gate or part g:
   no object of one isolated family depends on another (isolation.c); no function a
   restricted role can reach shadows a pg_catalog one, no operator outside
   pg_catalog (role NULL: every restricted role of the policy); sensitive tables
   under RLS. gate_catalog_assumptions() adds verify's gate of all three. */
#define SENSITIVE_RLS_TITLE                                                             \
    "sensitive tables have row-level security enabled, forced and a policy"
void assume_isolation(vctx *v, verify_gate *g);
void assume_no_shadowing(vctx *v, verify_gate *g, const policy_role *role);
void assume_sensitive_rls(vctx *v, verify_gate *g);
void gate_catalog_assumptions(vctx *v);

/* The checklist (checklist.c): every item of its table evaluated once, after the
   gates, into v->r->items. An item of its own is a function recording evidence and
   problems into item (verify.h says how to add one). */
typedef void (*verify_item_fn)(vctx *v, verify_gate *item);
void verify_checklist(vctx *v);
/* signoffs.c: each bundle's latest committed run and its approvers, into r->signoffs. */
void verify_signoffs(vctx *v);
void verify_signoffs_free(verify_report *r);

/* The final state of the runs of audit.runs (runs.c): every bundle's last run
   committed; no error that stands (a failed run a later run of the same bundle
   completed is history), no statement in doubt. */
void item_runs_completed(vctx *v, verify_gate *item);
void item_runs_no_errors(vctx *v, verify_gate *item);

#endif
