/*
 * signoffs.c: the sign-offs of the staging audit trail, filled from the audit
 * trail rather than ticked by hand: for each bundle, its latest committed run (who
 * applied it, as which role, from where, when) and the approvals that counted for
 * that run (audit.approvals, audit_run_approvers). They are evidence for the
 * people who sign, not items: the verdict is the checklist's (checklist.c).
 */
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/util.h"
#include "verify/gate.h"

/* Each bundle's latest committed run (dry runs never count), oldest first. */
#define SIGNOFF_SQL                                                                      \
    "SELECT DISTINCT ON (r.bundle_sha256) r.id::text, r.bundle_sha256, r.role, "        \
    "r.db_user, coalesce(r.client, ''), " UTC_TEXT("r.finished_at") " "                 \
    "FROM audit.runs r WHERE r.status = 'committed' "                                    \
    "ORDER BY r.bundle_sha256, r.finished_at DESC, r.id DESC"

void verify_signoffs(vctx *v)
{
    verify_report *r = v->r;
    if (!r->runs.readable || r->runs.total == 0)
        return;
    char *msg = NULL;
    PGresult *res = catalog_try(v, SIGNOFF_SQL, 0, NULL, &msg);
    if (!res) {
        free(msg); /* audit.runs unreadable: the items say so already */
        return;
    }
    int n = PQntuples(res);
    r->signoffs = xcalloc(n ? (size_t)n : 1, sizeof(verify_signoff));
    for (int i = 0; i < n && !v->err; i++) {
        verify_signoff *s = &r->signoffs[r->nsignoffs++];
        s->run = xstrdup(PQgetvalue(res, i, 0));
        s->bundle = xstrdup(PQgetvalue(res, i, 1));
        s->role = xstrdup(PQgetvalue(res, i, 2));
        s->db_user = xstrdup(PQgetvalue(res, i, 3));
        s->client = xstrdup(PQgetvalue(res, i, 4));
        s->finished = xstrdup(PQgetvalue(res, i, 5));
        char *err = NULL;
        if (audit_run_approvers(v->c, s->run, &s->approvers, &s->napprovers, &err) < 0)
            v->err = err; /* the connection failed under us: exit 3, like any read */
    }
    PQclear(res);
}

void verify_signoffs_free(verify_report *r)
{
    for (size_t i = 0; i < r->nsignoffs; i++) {
        verify_signoff *s = &r->signoffs[i];
        free(s->run);
        free(s->bundle);
        free(s->role);
        free(s->db_user);
        free(s->client);
        free(s->finished);
        audit_approvers_free(s->approvers, s->napprovers);
    }
    free(r->signoffs);
    r->signoffs = NULL;
    r->nsignoffs = 0;
}
