/*
 * analyze.h: the analysis of a script, statement by statement, in one pass: the
 * facts of each statement (facts.h) read against the session state in force
 * (session.h), then the session advanced by it.
 *
 *   session *sess = session_new();
 *   for each statement st:
 *       stmt_facts *f = analyze_begin(sess, st);
 *       for (size_t u = 0; u < f->nunits; u++) {
 *           analyze_unit(f, u);          // unit u's facts, against the state before it
 *           ... checks of unit u ...
 *           session_advance(sess, f, u); // the state after it
 *       }
 *       ... checks of the whole statement ...
 *       facts_free(f);
 *   session_free(sess);
 *
 * No global state: scripts can be analysed on parallel threads.
 */
#ifndef PGWARD_ANALYZE_H
#define PGWARD_ANALYZE_H

#include "analyze/facts.h"
#include "analyze/session.h"

/* Facts for st, to be filled unit by unit against sess. */
stmt_facts *analyze_begin(session *sess, const statement *st);

/* Walks unit u of the statement (units in order, each after the session advanced
   by the one before). */
void analyze_unit(stmt_facts *f, size_t u);

#endif
