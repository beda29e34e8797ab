/*
 * test_conn.c: env files (src/conn/conn.c, conn_params_parse_env): every libpq variable
 * maps to its keyword, in file order; `export `, comments, blank lines, CRLF,
 * quotes, escapes, trailing comments and empty values are read as documented;
 * other keys are ignored; every kind of bad line (an unknown PG* variable above
 * all: a typo must never connect elsewhere) is refused at its line and column.
 * Also the parts of the connection helpers that need no server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn/conn.h"
#include "base/util.h"

/* ---- valid files ---- */

#define MAX_PAIRS 8

static const struct {
    const char *what;
    const char *text;
    size_t len; /* 0: strlen(text) */
    size_t n;   /* expected pairs */
    const char *pairs[MAX_PAIRS][2];
} good[] = {
    {"every usual variable, in order",
     "PGHOST=db.example.org\nPGPORT=5434\nPGUSER=codex_staging\nPGPASSWORD=s3cret\n"
     "PGDATABASE=staging\nPGSSLMODE=require\nPGAPPNAME=deploy\n",
     0,
     7,
     {{"host", "db.example.org"},
      {"port", "5434"},
      {"user", "codex_staging"},
      {"password", "s3cret"},
      {"dbname", "staging"},
      {"sslmode", "require"},
      {"application_name", "deploy"}}},
    {"order of the file, not of libpq", "PGDATABASE=d\nPGHOST=h\n", 0, 2,
     {{"dbname", "d"}, {"host", "h"}}},
    {"a repeated key is kept twice (the later wins in libpq)", "PGHOST=a\nPGHOST=b\n", 0, 2,
     {{"host", "a"}, {"host", "b"}}},
    {"less usual variables: digits and underscores in the key",
     "PGCONNECT_TIMEOUT=5\nPGSERVICE=svc\nPGHOSTADDR=127.0.0.1\nPGTARGETSESSIONATTRS=read-write\n",
     0,
     4,
     {{"connect_timeout", "5"},
      {"service", "svc"},
      {"hostaddr", "127.0.0.1"},
      {"target_session_attrs", "read-write"}}},
    {"no newline at the end", "PGHOST=h", 0, 1, {{"host", "h"}}},
    {"empty file", "", 0, 0, {{NULL, NULL}}},
    {"only comments and blank lines", "# a comment\n\n   \n\t# indented comment\n\n", 0, 0,
     {{NULL, NULL}}},
    {"comments and blank lines between", "# staging\n\nPGHOST=h\n   # port:\n\nPGPORT=1\n", 0, 2,
     {{"host", "h"}, {"port", "1"}}},
    {"leading blanks before the key", "  PGHOST=h\n\tPGPORT=2\n", 0, 2,
     {{"host", "h"}, {"port", "2"}}},
    {"export prefix", "export PGHOST=h\n  export   PGPORT=5432\nexport PGUSER='u'\n", 0, 3,
     {{"host", "h"}, {"port", "5432"}, {"user", "u"}}},
    {"export and a tab", "export\tPGHOST=h\n", 0, 1, {{"host", "h"}}},
    {"blanks after = are not part of the value", "PGHOST=  db\nPGUSER=\t'u'\n", 0, 2,
     {{"host", "db"}, {"user", "u"}}},
    {"a backslash before other characters stays, as in a shell",
     "PGPASSWORD=\"a\\nb\\c\"\n", 0, 1, {{"password", "a\\nb\\c"}}},
    {"libpq's session variables are known, not connection parameters",
     "PGTZ=UTC\nPGDATESTYLE=ISO\nPGCLIENTENCODING=UTF8\nPGHOST=h\n", 0, 2,
     {{"client_encoding", "UTF8"}, {"host", "h"}}},
    {"a key named export is a key", "export=1\nPGHOST=h\n", 0, 1, {{"host", "h"}}},
    {"CRLF line ends", "PGHOST=h\r\nPGPORT=5432\r\n# c\r\n\r\nPGPASSWORD='p w'\r\n", 0, 3,
     {{"host", "h"}, {"port", "5432"}, {"password", "p w"}}},
    {"CRLF after a trailing comment", "PGHOST=h # primary\r\n", 0, 1, {{"host", "h"}}},
    {"single quotes keep # and spaces", "PGPASSWORD='a#b # c '\n", 0, 1,
     {{"password", "a#b # c "}}},
    {"single quotes: a backslash is literal", "PGPASSWORD='a\\b\\'\n", 0, 1,
     {{"password", "a\\b\\"}}},
    {"single quotes hold double quotes", "PGPASSWORD='say \"hi\"'\n", 0, 1,
     {{"password", "say \"hi\""}}},
    {"double quotes keep # and spaces", "PGPASSWORD=\"x # y\"\n", 0, 1, {{"password", "x # y"}}},
    {"double quotes: \\\" and \\\\ escapes", "PGPASSWORD=\"say \\\"hi\\\" \\\\o/\"\n", 0, 1,
     {{"password", "say \"hi\" \\o/"}}},
    {"double quotes hold single quotes", "PGPASSWORD=\"it's\"\n", 0, 1,
     {{"password", "it's"}}},
    {"comment and blanks after a quoted value", "PGHOST='h'  # primary\nPGPORT=\"1\"\t\n", 0, 2,
     {{"host", "h"}, {"port", "1"}}},
    {"comment right after a quoted value", "PGHOST='h'# primary\n", 0, 1, {{"host", "h"}}},
    {"trailing comment after an unquoted value", "PGHOST=h # primary\nPGPORT=5432\t# tab\n", 0,
     2, {{"host", "h"}, {"port", "5432"}}},
    {"# inside an unquoted word is part of it", "PGPASSWORD=a#b\nPGUSER=u#\n", 0, 2,
     {{"password", "a#b"}, {"user", "u#"}}},
    {"trailing blanks of an unquoted value are dropped", "PGHOST=h  \t\n", 0, 1,
     {{"host", "h"}}},
    {"blanks inside an unquoted value are kept", "PGAPPNAME=my deploy tool\n", 0, 1,
     {{"application_name", "my deploy tool"}}},
    {"= inside a value", "PGOPTIONS=-c search_path=app\n", 0, 1,
     {{"options", "-c search_path=app"}}},
    {"KEY= is an empty value", "PGPASSWORD=\n", 0, 1, {{"password", ""}}},
    {"empty quoted values", "PGPASSWORD=''\nPGUSER=\"\"\n", 0, 2,
     {{"password", ""}, {"user", ""}}},
    {"KEY= then a comment is empty", "PGPASSWORD= # none\nPGUSER=#none\n", 0, 2,
     {{"password", ""}, {"user", ""}}},
    {"UTF-8 in a value", "PGAPPNAME=d\xc3\xa9ploiement\n", 0, 1,
     {{"application_name", "d\xc3\xa9ploiement"}}},
    {"other keys are ignored",
     "OTHER=1\nPATH=/usr/bin\nAPP_ENV=\"staging\"\nX=\nPGHOST=h\nHOME='/root'\n", 0, 1,
     {{"host", "h"}}},
    {"lowercase and mixed-case keys are ignored", "pghost=x\nPgHost=y\npghsot=z\nPGHOST=h\n",
     0, 1, {{"host", "h"}}},
    {"ignored keys are not checked beyond the syntax", "OTHER=a b c # d\nK1='x'\n", 0, 0,
     {{NULL, NULL}}},
    {"a NUL byte inside a comment is harmless", "# a\0b\nPGHOST=h # x\0y\n", 21, 1,
     {{"host", "h"}}},
    {"a bare CR inside a value is kept", "PGAPPNAME=a\rb\n", 0, 1, {{"application_name", "a\rb"}}},
};

static void test_good(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        conn_params p = {0};
        char *err = NULL;
        size_t len = good[i].len ? good[i].len : strlen(good[i].text);
        int rc = conn_params_parse_env("t.env", good[i].text, len, &p, &err);
        if (rc != 0)
            print_error("case %zu (%s): %s\n", i, good[i].what, err);
        assert_int_equal(rc, 0);
        assert_null(err);
        if (p.n != good[i].n)
            print_error("case %zu (%s): %zu pairs, expected %zu\n", i, good[i].what, p.n,
                        good[i].n);
        assert_int_equal(p.n, good[i].n);
        for (size_t k = 0; k < p.n; k++) {
            if (strcmp(p.keys[k], good[i].pairs[k][0]) != 0 ||
                strcmp(p.values[k], good[i].pairs[k][1]) != 0)
                print_error("case %zu (%s): pair %zu is %s='%s'\n", i, good[i].what, k,
                            p.keys[k], p.values[k]);
            assert_string_equal(p.keys[k], good[i].pairs[k][0]);
            assert_string_equal(p.values[k], good[i].pairs[k][1]);
        }
        conn_params_free(&p);
        assert_int_equal(p.n, 0);
        assert_null(p.keys);
        assert_null(p.values);
    }
}

/* ---- bad files ---- */

static const struct {
    const char *text;
    size_t len; /* 0: strlen(text) */
    const char *error;
    size_t n_before; /* pairs parsed before the bad line (left in *out) */
} bad[] = {
    {"PGHSOT=db\n", 0, "t.env:1:1: unknown PostgreSQL connection variable 'PGHSOT'", 0},
    {"PGHOST=h\n  PGPROT=1\n", 0, "t.env:2:3: unknown PostgreSQL connection variable 'PGPROT'",
     1},
    {"export PGHSOT=x\n", 0, "t.env:1:8: unknown PostgreSQL connection variable 'PGHSOT'", 0},
    {"PGFOO=\n", 0, "t.env:1:1: unknown PostgreSQL connection variable 'PGFOO'", 0},
    {"PG=x\n", 0, "t.env:1:1: unknown PostgreSQL connection variable 'PG'", 0},
    {"PGHOST=h\nPGPORT=1\nPG_HOST='h'\n", 0,
     "t.env:3:1: unknown PostgreSQL connection variable 'PG_HOST'", 2},
    {"\n# c\n\n  \nPGHSOT=x\n", 0, "t.env:5:1: unknown PostgreSQL connection variable 'PGHSOT'",
     0},
    {"PGHOST=h\r\nPGHSOT=x\r\n", 0,
     "t.env:2:1: unknown PostgreSQL connection variable 'PGHSOT'", 1},
    {"PGHOST h\n", 0, "t.env:1:7: expected '=' after the key", 0},
    {"PGHOST\n", 0, "t.env:1:7: expected '=' after the key", 0},
    {"PGHOST", 0, "t.env:1:7: expected '=' after the key", 0},
    {"PGHOST =h\n", 0, "t.env:1:7: expected '=' after the key", 0},
    {"OTHER: 1\n", 0, "t.env:1:6: expected '=' after the key", 0},
    {"PG-HOST=x\n", 0, "t.env:1:3: expected '=' after the key", 0},
    {"PGHOST=h\nlocalhost\n", 0, "t.env:2:10: expected '=' after the key", 1},
    {"=value\n", 0, "t.env:1:1: expected KEY=VALUE", 0},
    {"1PGHOST=x\n", 0, "t.env:1:1: expected KEY=VALUE", 0},
    {"  9=x\n", 0, "t.env:1:3: expected KEY=VALUE", 0},
    {"export =1\n", 0, "t.env:1:8: expected KEY=VALUE", 0},
    {"-PGHOST=x\n", 0, "t.env:1:1: expected KEY=VALUE", 0},
    {"\xc3\xa9=x\n", 0, "t.env:1:1: expected KEY=VALUE", 0},
    {"PGPASSWORD='abc\n", 0, "t.env:1:12: unterminated quoted value", 0},
    {"PGPASSWORD=\"abc\n", 0, "t.env:1:12: unterminated quoted value", 0},
    {"PGPASSWORD=\"abc\\\"\n", 0, "t.env:1:12: unterminated quoted value", 0},
    {"PGPASSWORD=\"abc\\", 0, "t.env:1:12: unterminated quoted value", 0},
    {"PGPASSWORD='", 0, "t.env:1:12: unterminated quoted value", 0},
    {"PGPASSWORD='a\nb'\n", 0, "t.env:1:12: unterminated quoted value", 0},
    {"PGHOST=h\r\nPGUSER='u\r\n", 0, "t.env:2:8: unterminated quoted value", 1},
    {"OTHER='x\n", 0, "t.env:1:7: unterminated quoted value", 0},
    {"PGHOST='a' b\n", 0, "t.env:1:12: unexpected text after the quoted value", 0},
    {"PGHOST=\"a\"b\n", 0, "t.env:1:11: unexpected text after the quoted value", 0},
    {"PGHOST='a''b'\n", 0, "t.env:1:11: unexpected text after the quoted value", 0},
    {"OTHER='a' ;\n", 0, "t.env:1:11: unexpected text after the quoted value", 0},
    {"PGPASSWORD=ab\0c\n", 16, "t.env:1:14: NUL byte in the value of 'PGPASSWORD'", 0},
    {"PGPASSWORD='a\0b'\n", 17, "t.env:1:14: NUL byte in the value of 'PGPASSWORD'", 0},
    {"PGHOST=h\nOTHER=\"\0\"\n", 19, "t.env:2:8: NUL byte in the value of 'OTHER'", 1},
    {"PGH\0OST=x\n", 10, "t.env:1:4: expected '=' after the key", 0},
    {"\0PGHOST=x\n", 10, "t.env:1:1: expected KEY=VALUE", 0},
};

static void test_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        conn_params p = {0};
        char *err = NULL;
        size_t len = bad[i].len ? bad[i].len : strlen(bad[i].text);
        int rc = conn_params_parse_env("t.env", bad[i].text, len, &p, &err);
        if (rc != -1 || !err || strcmp(err, bad[i].error) != 0)
            print_error("case %zu: got %d '%s', expected '%s'\n", i, rc, err ? err : "(none)",
                        bad[i].error);
        assert_int_equal(rc, -1);
        assert_non_null(err);
        assert_string_equal(err, bad[i].error);
        assert_int_equal(p.n, bad[i].n_before);
        free(err);
        conn_params_free(&p);
    }
}

/* The name given is the one in the message, whatever it is. */
static void test_error_names_the_file(void **state)
{
    (void)state;
    conn_params p = {0};
    char *err = NULL;
    const char *text = "PGHOST=h\nPGDATABSE=x\n";
    assert_int_equal(conn_params_parse_env(".env.staging", text, strlen(text), &p, &err), -1);
    assert_string_equal(err, ".env.staging:2:1: unknown PostgreSQL connection variable 'PGDATABSE'");
    free(err);
    conn_params_free(&p);
}

/* Only len bytes are read: text need not be NUL-terminated. */
static void test_length_bounds_the_text(void **state)
{
    (void)state;
    conn_params p = {0};
    char *err = NULL;
    const char *text = "PGHOST=h\nPGHSOT=x\n";
    assert_int_equal(conn_params_parse_env("t.env", text, 9, &p, &err), 0);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.values[0], "h");
    conn_params_free(&p);
    /* a value cut at len, inside quotes */
    char cut[] = {'P', 'G', 'H', 'O', 'S', 'T', '=', '\'', 'h', '\''};
    assert_int_equal(conn_params_parse_env("t.env", cut, 9, &p, &err), -1);
    assert_string_equal(err, "t.env:1:8: unterminated quoted value");
    free(err);
    conn_params_free(&p);
}

/* A second file adds to the first one's pairs (later wins in libpq). */
static void test_appends(void **state)
{
    (void)state;
    conn_params p = {0};
    char *err = NULL;
    assert_int_equal(conn_params_parse_env("a.env", "PGHOST=a\nPGPORT=1\n", 18, &p, &err), 0);
    assert_int_equal(conn_params_parse_env("b.env", "PGHOST=b\n", 9, &p, &err), 0);
    assert_int_equal(p.n, 3);
    assert_string_equal(p.keys[2], "host");
    assert_string_equal(p.values[2], "b");
    /* many pairs: keys and values grow together */
    strbuf sb = {0};
    for (int i = 0; i < 1000; i++)
        sb_addf(&sb, "PGPORT=%d\n", i);
    assert_int_equal(conn_params_parse_env("c.env", sb.buf, sb.len, &p, &err), 0);
    assert_int_equal(p.n, 1003);
    assert_string_equal(p.keys[1002], "port");
    assert_string_equal(p.values[1002], "999");
    sb_free(&sb);
    conn_params_free(&p);
    conn_params_free(&p); /* freeing twice is harmless */
}

/* conn_params_read_env_file: the path in messages, a missing file, the size limit. */
static void test_read_env_file(void **state)
{
    (void)state;
    char path[] = "/tmp/pgward-test-conn-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "export PGHOST=h\nPGPORT=5432 # x\n";
    assert_int_equal(write(fd, text, strlen(text)), (int)strlen(text));
    close(fd);
    conn_params p = {0};
    char *err = NULL;
    assert_int_equal(conn_params_read_env_file(path, &p, &err), 0);
    assert_int_equal(p.n, 2);
    assert_string_equal(p.values[1], "5432");
    conn_params_free(&p);

    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs("PGUSR=u\n", f);
    fclose(f);
    assert_int_equal(conn_params_read_env_file(path, &p, &err), -1);
    char *want = xasprintf("%s:3:1: unknown PostgreSQL connection variable 'PGUSR'", path);
    assert_string_equal(err, want);
    free(want);
    free(err);
    conn_params_free(&p);

    /* larger than 1 MiB */
    f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < (1 << 20) / 8 + 1; i++)
        fputs("# 45678\n", f);
    fclose(f);
    err = NULL;
    assert_int_equal(conn_params_read_env_file(path, &p, &err), -1);
    assert_non_null(err);
    assert_non_null(strstr(err, path));
    free(err);
    conn_params_free(&p);
    unlink(path);

    err = NULL;
    assert_int_equal(conn_params_read_env_file("/nonexistent/.env", &p, &err), -1);
    assert_string_equal(err, "cannot read '/nonexistent/.env': No such file or directory");
    free(err);
    assert_int_equal(p.n, 0);
}

/* The helpers that need no server. */
/* --db is parsed before anything connects: malformed is an error naming no secret */
static void test_check_db(void **state)
{
    (void)state;
    static const char *const good_db[] = {NULL, "", "host=127.0.0.1 port=1 dbname=app",
                                       "postgresql://u:p%40ss@127.0.0.1:5432/app"};
    for (size_t i = 0; i < sizeof(good_db) / sizeof(good_db[0]); i++) {
        char *err = NULL;
        if (conn_check_db(NULL, good_db[i], &err) != 0)
            fail_msg("'%s' refused: %s", good_db[i], err);
    }
    static const char *const bad_db[] = {"host=127.0.0.1 password=Hunter2 secret",
                                      "nosuchkeyword=Hunter2",
                                      "postgresql://u:Hunter2@[::1/app",
                                      "postgresql://u:Hunter2@x@127.0.0.1/app"};
    for (size_t i = 0; i < sizeof(bad_db) / sizeof(bad_db[0]); i++) {
        char *err = NULL;
        assert_int_equal(conn_check_db(NULL, bad_db[i], &err), -1);
        assert_non_null(err);
        if (strncmp(err, "invalid --db: ", 14) != 0 || strstr(err, "Hunter2"))
            fail_msg("'%s': %s", bad_db[i], err);
        free(err);
    }
}

static void test_no_server_helpers(void **state)
{
    (void)state;
    assert_string_equal(conn_sqlstate(NULL), "");
    char *m = conn_error_message(NULL, NULL);
    assert_string_equal(m, "");
    free(m);
    /* libpq refuses a bad keyword before any network: its message, one line */
    PGconn *c = PQconnectdb("nosuchkeyword=1");
    assert_non_null(c);
    assert_int_equal(PQstatus(c), CONNECTION_BAD);
    m = conn_error_message(c, NULL);
    assert_string_equal(m, "invalid connection option \"nosuchkeyword\"");
    free(m);
    PQfinish(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_error_names_the_file),
        cmocka_unit_test(test_length_bounds_the_text),
        cmocka_unit_test(test_appends),
        cmocka_unit_test(test_read_env_file),
        cmocka_unit_test(test_check_db),
        cmocka_unit_test(test_no_server_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
