/*
 * analyze.c: the entry to the analysis: a statement's units walked one by one
 * against the session in force; see analyze.h.
 */
#include "analyze/analyze.h"

#include <stdlib.h>
#include <string.h>

#include "analyze/walker.h"

stmt_facts *analyze_begin(session *sess, const statement *st)
{
    session_enter(sess, st);
    stmt_facts *f = facts_new(st);
    f->sess = sess;
    for (size_t u = 0; u < f->nunits; u++) {
        unit_info *ui = &f->units[u];
        const cJSON *fl;
        ui->kind = node_kind(st->parse.stmts[u], &fl);
        ui->kind_name = sql_node_kind(st->parse.stmts[u]);
        ui->node = fl;
        sql_stmt_span(&st->parse, st->text_len, u, &ui->offset, &ui->length);
        txn_describe_unit(ui);
    }
    return f;
}

void analyze_unit(stmt_facts *f, size_t u)
{
    if (u >= f->nunits)
        return;
    const unit_info *ui = &f->units[u];
    walker w = {.f = f, .sess = f->sess, .unit = u, .body = -1, .body_base = -1,
                .line_start = -1};
    if (ui->kind != PGK_NONE)
        walk_statement(&w, (pg_kind)ui->kind, ui->node);
    free(w.ctes);
    /* data that \gset put into variables flows into a statement that uses them */
    if (u == 0 && f->st->uses_runtime_vars) {
        size_t n;
        const rel_ref *reads = session_gset_reads(f->sess, &n);
        for (size_t i = 0; i < n; i++) {
            rel_ref *r = FACTS_PUSH(f->rels, f->nrels, f->caprels);
            *r = reads[i];
            r->schema = facts_strdup(f, reads[i].schema);
            r->name = facts_strdup(f, reads[i].name);
            r->location = -1;
            r->body = -1;
            r->unit = u;
        }
    }
}
