/*
 * grants.h: the PostgreSQL privileges a policy gives each role and PUBLIC, the one
 * model `pgward policy grants` and `pgward stage` turn into GRANT and REVOKE
 * statements and `pgward verify` compares the live catalog with.
 *
 *   policy_privs pv = policy_role_privs(p, role, "eng");
 *   if (pv.tables & PRIV_DELETE) ... the role may delete from every table of eng ...
 *   char *sql = policy_grants_sql(p, NULL);   // every role and PUBLIC
 *
 * How the statement classes map (from policy/query.h, per role and schema):
 *   select insert update delete truncate   those privileges on the tables
 *   ddl      CREATE on the schema; REFERENCES and TRIGGER on its tables; SELECT
 *            and UPDATE on its sequences (a role that may create them may set them)
 *   insert   USAGE on the schema's sequences (nextval for serial columns); an
 *            insert grant on one table: USAGE on the sequences that table owns
 *   any class, or an allowed function, in a schema: USAGE on it
 *   allow function S.F   EXECUTE on every routine S.F (all overloads); nothing else
 *            in the policy's schemas is executable, not even by PUBLIC
 *   database CONNECT for every role, CREATE with ddl on some family
 *   dcl, maintenance, call, copy: no privilege of their own (dcl permits holding
 *            a grant option; none is granted)
 * The admin (policy_owner_role) reads the protected schemas, as pgward verify
 * does with it. PUBLIC holds nothing in the families and bridges and no CREATE
 * anywhere; in the protected schemas pgward's own machinery (sql/audit.sql) gives
 * it USAGE, SELECT on the tables and EXECUTE on the functions, and keeps them.
 */
#ifndef PGWARD_POLICY_GRANTS_H
#define PGWARD_POLICY_GRANTS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/util.h"
#include "policy/policy.h"

/* PostgreSQL's privileges, as bits. */
enum {
    PRIV_SELECT = 1u << 0,
    PRIV_INSERT = 1u << 1,
    PRIV_UPDATE = 1u << 2,
    PRIV_DELETE = 1u << 3,
    PRIV_TRUNCATE = 1u << 4,
    PRIV_REFERENCES = 1u << 5,
    PRIV_TRIGGER = 1u << 6,
    PRIV_USAGE = 1u << 7,
    PRIV_CREATE = 1u << 8,
    PRIV_EXECUTE = 1u << 9,
    PRIV_CONNECT = 1u << 10,
    PRIV_TEMPORARY = 1u << 11,
};
#define PRIV_TABLE_ALL                                                              \
    (PRIV_SELECT | PRIV_INSERT | PRIV_UPDATE | PRIV_DELETE | PRIV_TRUNCATE |        \
     PRIV_REFERENCES | PRIV_TRIGGER)
#define PRIV_SEQUENCE_ALL (PRIV_USAGE | PRIV_SELECT | PRIV_UPDATE)

/* The bit of a privilege as the catalog spells it ("SELECT", "TEMPORARY"), or 0. */
unsigned priv_bit(const char *word);

/* Appends "SELECT, INSERT" for privs (in PostgreSQL's order); nothing when 0. */
void priv_words(strbuf *sb, unsigned privs);

/* What a grantee holds in one schema. */
typedef struct policy_privs {
    unsigned schema;    /* USAGE, CREATE on the schema itself */
    unsigned tables;    /* on every table, view, ... of it */
    unsigned sequences; /* on every sequence of it */
    unsigned routines;  /* EXECUTE on every routine of it (PUBLIC only; a role
                           gets EXECUTE through its allow function list) */
} policy_privs;

/* What role r holds in schema from its family and schema grants (table grants:
   policy_table_privs). */
policy_privs policy_role_privs(const policy *p, const policy_role *r, const char *schema);

/* What PUBLIC may hold in schema (see above). */
policy_privs policy_public_privs(const policy *p, const char *schema);

/* What r holds on schema.table: its schema-wide privileges and its table grants. */
unsigned policy_table_privs(const policy *p, const policy_role *r, const char *schema,
                            const char *table);

/* What r holds on a sequence of schema owned by owner_table (NULL: by none). */
unsigned policy_sequence_privs(const policy *p, const policy_role *r, const char *schema,
                               const char *owner_table);

/* What r (NULL: PUBLIC) holds on the database. */
unsigned policy_database_privs(const policy *p, const policy_role *r);

/* The schemas the policy names (families' schemas, bridges, protected schemas), in
   policy order; *n gets how many. The array is malloc'd, the names the policy's. */
const char **policy_named_schemas(const policy *p, size_t *n);

/* SQL quoting: "name" (an identifier) and 'text' (a literal), each quote doubled. */
void sql_ident(strbuf *sb, const char *name);
void sql_literal(strbuf *sb, const char *text);

/*
 * The GRANT and REVOKE statements that give every role of p (only: just that one,
 * and then nothing for PUBLIC) exactly what the model says, for psql -1 as a
 * superuser; idempotent. Malloc'd.
 */
char *policy_grants_sql(const policy *p, const policy_role *only);

#endif
