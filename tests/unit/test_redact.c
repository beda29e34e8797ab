/*
 * test_redact.c: no password in any connection message (src/conn/redact.c and
 * conn_open's error paths in src/conn/conn.c). conn_redact() on every form a
 * password takes in a connection string (URI user info as written, as libpq splits
 * it and percent-decoded; password= and sslpassword= quoted, escaped, unquoted, in a
 * URI query) and on messages quoting them; then conn_open() on every malformed --db
 * and env file found to make libpq echo part of it (bad percent-encoding, bad IPv6
 * host, bad port, unterminated quotes, invalid keywords, stray words, raw '@' and
 * '/' in a URI's password), none of which needs a server: the password never
 * appears in the error, and the error still says what is wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "conn/conn.h"
#include "conn/redact.h"

/* A connection string, a message it might produce, and what must not survive. */
static const struct {
    const char *conninfo;
    const char *message;
    const char *secret;
} cases[] = {
    {"postgresql://u:S3CRET@host/db", "in URI: \"postgresql://u:S3CRET@host/db\"", "S3CRET"},
    {"postgres://u:S3CRET@host/db", "token \"S3CRET\"", "S3CRET"},
    {"postgresql://u:S3%ZZCRET@host/db", "invalid percent-encoded token: \"S3%ZZCRET\"",
     "S3%ZZCRET"},
    {"postgresql://u:S3%41CRET@host/db", "password S3ACRET was decoded", "S3ACRET"},
    {"postgresql://u:S3%41CRET@host/db", "raw S3%41CRET", "S3%41CRET"},
    {"postgresql://u:pa?ss@host/db", "\"pa?ss\"", "pa?ss"},
    {"postgresql://u:p@ss@host/db", "host name \"ss@host\" and p@ss", "p@ss"},
    {"postgresql://u@host/db?password=Q%ZZ", "invalid percent-encoded token: \"Q%ZZ\"", "Q%ZZ"},
    {"postgresql://u@host/db?sslmode=require&password=QWERTY&port=5",
     "value QWERTY echoed", "QWERTY"},
    {"postgresql://u@host/db?sslpassword=KEYPASS", "KEYPASS", "KEYPASS"},
    {"host=h password=S3CRET port=5432", "echo S3CRET", "S3CRET"},
    {"host=h password = S3CRET", "echo S3CRET", "S3CRET"},
    {"host=h PASSWORD=S3CRET", "echo S3CRET", "S3CRET"},
    {"host=h password='S3 CRET' port=1", "echo S3 CRET", "S3 CRET"},
    {"host=h password='S3\\'CRET'", "echo S3'CRET", "S3'CRET"},
    {"host=h password='S3\\'CRET'", "echo S3\\'CRET", "S3\\'CRET"},
    {"host=h password='UNTERMINATED", "echo UNTERMINATED", "UNTERMINATED"},
    {"host=h sslpassword=KEYPASS", "KEYPASS", "KEYPASS"},
    {"dbname='postgresql://u:NESTED@h/db' port=1", "database \"postgresql://u:NESTED@h/db\"",
     "NESTED"},
    {"dbname=postgresql://u:NESTED@h/db", "NESTED", "NESTED"},
};

static void test_known_secrets(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const char *ci[] = {cases[i].conninfo};
        char *r = conn_redact(cases[i].message, ci, 1, NULL, 0);
        if (strstr(r, cases[i].secret)) {
            fprintf(stderr, "case %zu: '%s' kept in '%s'\n", i, cases[i].secret, r);
            fail();
        }
        assert_non_null(strstr(r, CONN_REDACTED));
        free(r);
    }
}

/* Password-shaped text in a message is cut even with no source to learn from. */
static void test_shapes_in_message(void **state)
{
    (void)state;
    static const struct {
        const char *message, *expect;
    } shapes[] = {
        {"in URI: \"postgresql://u:S3CRET@[::1/db\"", "in URI: \"postgresql://u:***@[::1/db\""},
        {"database \"postgres://admin:S3CRET@h/x\" does not exist",
         "database \"postgres://admin:***@h/x\" does not exist"},
        {"bad option password=S3CRET here", "bad option password=*** here"},
        {"bad option password='S3 CRET' here", "bad option password='***' here"},
        {"uri ...?user=x&password=S3CRET&port=5", "uri ...?user=x&password=***"},
        {"sslpassword=KEY", "sslpassword=***"},
        {"no secret: connection refused on port 5432", "no secret: connection refused on port 5432"},
        {"postgresql://host:5432/db has no user info", "postgresql://host:5432/db has no user info"},
        {"", ""},
    };
    for (size_t i = 0; i < ARRAY_SIZE(shapes); i++) {
        char *r = conn_redact(shapes[i].message, NULL, 0, NULL, 0);
        assert_string_equal(r, shapes[i].expect);
        free(r);
    }
}

static void test_literal_secrets(void **state)
{
    (void)state;
    const char *secrets[] = {NULL, "", "hunter2", "hunter"};
    char *r = conn_redact("user hunter2 and hunter and hunter2x", NULL, 0, secrets, 4);
    assert_string_equal(r, "user *** and *** and ***x");
    free(r);
    /* a secret made of the replacement itself does not loop */
    const char *star[] = {"*"};
    r = conn_redact("a*b", NULL, 0, star, 1);
    assert_string_equal(r, "a***b");
    free(r);
}

/* conn_open: malformed --db values; no server is reached (parse errors), or port 1
   on the loopback refuses at once. */
static const struct {
    const char *db;
    const char *secret;
    const char *says; /* part of the message that must remain */
} bad_db[] = {
    {"postgresql://u:S3%ZZCRET@127.0.0.1/db", "S3%ZZCRET", "invalid percent-encoded token"},
    {"postgresql://u:S3CRET@127.0.0.1/db%", "S3CRET", "invalid percent-encoded token"},
    {"postgresql://u:S3CRET@[::1/db", "S3CRET", "IPv6 host address"},
    {"postgresql://u:S3%00CRET@127.0.0.1/db", "S3%00CRET", "forbidden value %00"},
    {"postgresql://u:S3CRET@127.0.0.1/db?bogus=1", "S3CRET", "invalid URI query parameter"},
    {"postgresql://u:S3CRET@127.0.0.1/db?sslmode", "S3CRET", "missing key/value separator"},
    {"postgresql://u@127.0.0.1/db?password=S3%ZZ", "S3%ZZ", "invalid percent-encoded token"},
    {"postgresql://u:qq@zz9@127.0.0.1/db", "zz9", "percent-encode"},
    {"postgresql://u:qq9/zz@127.0.0.1/db", "qq9", "percent-encode"},
    {"postgresql://u:S3CRET@127.0.0.1:99999/db", "S3CRET", "invalid port number"},
    {"postgresql://u:S3CRET@127.0.0.1:abc/db", "S3CRET", "invalid integer value"},
    {"postgresql://u:S3CRET@127.0.0.1/db?sslmode=bogus", "S3CRET", "invalid sslmode value"},
    {"postgresql://u:S3CRET@127.0.0.1:1/db", "S3CRET", "port 1 failed"},
    {"host=127.0.0.1 password='S3CRET", "S3CRET", "unterminated quoted string"},
    {"host=127.0.0.1 password=S3 CRET", "CRET", "missing \"=\" after"},
    {"host=127.0.0.1 password=S3 CRET=1", "CRET", "invalid connection option"},
    {"host=127.0.0.1 password=S3CRET bogus=1", "S3CRET", "invalid connection option"},
    {"host=127.0.0.1 port=abc password=S3CRET", "S3CRET", "invalid integer value"},
    {"host=127.0.0.1 port=1 password=S3CRET", "S3CRET", "port 1 failed"},
    {"host=127.0.0.1 port=1 dbname='postgresql://u:NESTED@h/db'", "NESTED", "port 1 failed"},
};

static void test_conn_open_bad_db(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(bad_db); i++) {
        char *err = NULL;
        PGconn *c = conn_open(NULL, bad_db[i].db, "pgward test", &err);
        assert_null(c);
        assert_non_null(err);
        if (strstr(err, bad_db[i].secret) || !strstr(err, bad_db[i].says)) {
            fprintf(stderr, "case %zu (%s): %s\n", i, bad_db[i].db, err);
            fail();
        }
        free(err);
    }
}

/* An env file's values: its password is never echoed, even when libpq quotes it
   as another parameter's value. */
static void test_conn_open_env_file(void **state)
{
    (void)state;
    const char *text = "PGHOST=127.0.0.1\nPGPORT=1\nPGPASSWORD=EnvS3cret\n"
                       "PGDATABASE=EnvS3cret\n";
    conn_params p = {0};
    char *err = NULL;
    assert_int_equal(conn_params_parse_env(".env", text, strlen(text), &p, &err), 0);
    PGconn *c = conn_open(&p, NULL, "pgward test", &err);
    assert_null(c);
    assert_null(strstr(err, "EnvS3cret"));
    free(err);
    err = NULL;
    /* --db over it, malformed: neither password shows */
    c = conn_open(&p, "postgresql://u:DbS3cret@127.0.0.1:abc/EnvS3cret", "pgward test", &err);
    assert_null(c);
    assert_null(strstr(err, "EnvS3cret"));
    assert_null(strstr(err, "DbS3cret"));
    free(err);
    conn_params_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_secrets),      cmocka_unit_test(test_shapes_in_message),
        cmocka_unit_test(test_literal_secrets),    cmocka_unit_test(test_conn_open_bad_db),
        cmocka_unit_test(test_conn_open_env_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
