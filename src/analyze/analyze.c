/*
 * analyze.c: the entry to the analysis: a statement's units walked one by one
 * against the session in force; see analyze.h.
 */
#include "analyze/analyze.h"

#include <stdlib.h>
#include <string.h>

#include "analyze/walker.h"
#include "base/util.h"

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
                .line_start = -1, .path = -1};
    if (ui->kind != PGK_NONE)
        walk_statement(&w, (pg_kind)ui->kind, ui->node);
    free(w.ctes);
    /* a DO block that may change search_path changes the session's (session.h):
       read now, nested ones too (the list grows as they are found) */
    for (size_t i = 0; i < f->nbodies; i++) {
        const body_info *b = &f->bodies[i];
        bool now = b->unit == u && b->is_do &&
                   (b->parent < 0 || (f->bodies[b->parent].is_do && f->bodies[b->parent].parsed));
        if (now && b->text &&
            (ascii_contains_ci(b->text, "search_path") || ascii_contains_ci(b->text, "set_config")))
            bodies_analyse(f, i, b->depth);
    }
    /* data that \gset put into variables flows into a statement that uses them;
       whether a statement in an \if branch on a run-time value runs at all says
       something about that value; psql's result variables carry what any earlier
       statement read */
    if (u == 0) {
        bool gset = f->st->uses_runtime_vars || f->st->conditional;
        bool results = f->st->uses_result_vars || f->st->conditional;
        size_t n = 0, m = 0;
        const rel_ref *reads = gset ? session_gset_reads(f->sess, &n) : NULL;
        const rel_ref *earlier = results ? session_result_reads(f->sess, &m) : NULL;
        for (size_t i = 0; i < n + m; i++) {
            const rel_ref *from = i < n ? &reads[i] : &earlier[i - n];
            rel_ref *r = FACTS_PUSH(f->rels, f->nrels, f->caprels);
            *r = *from;
            r->schema = facts_strdup(f, from->schema);
            r->name = from->name ? facts_strdup(f, from->name) : NULL;
            r->location = -1;
            r->body = -1;
            r->path = -1;
            r->unit = u;
            r->carried = i >= n;
        }
    }
}
