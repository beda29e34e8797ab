/*
 * redact.h: keeping passwords out of every message about a connection.
 *
 * libpq echoes parts of a connection string back in its errors (a bad
 * percent-encoding quotes the token, a bad IPv6 host quotes the whole URI), and a
 * server may quote a database name that was really a URI. Before such a message is
 * printed, conn_redact() replaces with "***":
 *   - every password the connection strings it is given hold: a URI's
 *     `user:PASSWORD@` (as written, as libpq splits it, and percent-decoded), and
 *     `password=` / `sslpassword=` values in a conninfo or a URI's query (quoted
 *     or not, as written and unescaped), wherever they occur in the message;
 *   - every literal secret it is given (an env file's PGPASSWORD);
 *   - and, in the message itself, anything shaped like a password: a URI's
 *     `scheme://user:...@` and any `password=...` value.
 *
 *   const char *conninfos[] = {db};
 *   char *safe = conn_redact(libpq_message, conninfos, 1, NULL, 0);
 */
#ifndef PGWARD_CONN_REDACT_H
#define PGWARD_CONN_REDACT_H

#include <stddef.h>

/* What a secret is replaced with. */
#define CONN_REDACTED "***"

/*
 * A copy of message (malloc'd) with the passwords of conninfos (connection strings:
 * URIs or key=value; NULL entries skipped) and the literal secrets (NULL or empty
 * skipped) replaced, then every password-shaped part of what is left.
 */
char *conn_redact(const char *message, const char *const *conninfos, size_t nconninfos,
                  const char *const *secrets, size_t nsecrets);

#endif
