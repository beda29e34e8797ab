#!/usr/bin/env python3
"""Byte-level lexing differential test: psql 15 never sends what pgward did not read.

The script author is hostile: anything psql splits, quotes or expands otherwise than
pgward does is a way to run a statement the gate never analysed. For each input (a
small hostile script, byte-exact, in tests/fixtures/lexing/<name>.sql) the test

  (a) runs `psql -X -q -f NAME.sql [-v ...]` (fresh database with a schema eng and a
      table eng.projects, PGCLIENTENCODING=UTF8) through a transparent TCP proxy in
      front of the server started by with_pg.sh, and records the text of every query
      message ('Q', and 'P' if any) psql sends: the bytes psql sent, in the client
      encoding of the moment, including those the server rejects before it can log them
      (bytes invalid in the client encoding). Queries psql makes up itself for a
      meta-command (`\\encoding X` sends "set client_encoding to 'X'") are listed per
      input and dropped once each;
  (b) cross-checks that capture against the server's jsonlog (with_pg.sh
      --log-statements): the number of queries psql's session(s) logged, counting those
      rejected by the parser or by the encoding conversion, must equal the number
      captured (else: harness error);
  (c) runs `pgward parse --format json` and takes the "text" of each statement (bytes
      that are not UTF-8 come out as U+FFFD: such a file is refused as unproven);
  (d) runs `pgward lint --policy rules/staging.policy --role codex_staging --format json`.

An input passes when pgward's statements equal what psql sent (same count and order,
each byte-exact after trimming ASCII whitespace), OR pgward's lint reports an
error-level finding of rule `unproven` (the gate refuses what it cannot read exactly as
psql does) or `input-error` with exit status 2 (a file with a NUL byte is not SQL text:
pgward refuses to read it at all, for every role). Anything else fails and both sequences are printed.

The inputs are defined below (INPUTS) and kept byte-exact as files in
tests/fixtures/lexing/ (marked binary in its .gitattributes); the test checks that the
files match the definitions. After changing INPUTS run with --write-fixtures.

  tests/pg/with_pg.sh --log-statements python3 tests/pg/lexing_test.py --pgward build/pgward
  ... lexing_test.py --pgward build/pgward --show nul_between_statements std_off_plain
  python3 tests/pg/lexing_test.py --write-fixtures      # no server needed

Prints OK/FAIL per input and ends with "N passed, M failed"; exits 1 when any input
fails, 2 on a usage or environment error. Python 3 standard library only.
"""

import argparse
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from conformance import HarnessError, JsonLog, psql_statements, trunc  # noqa: E402

DEFAULT_REPO = os.path.dirname(os.path.dirname(HERE))
WSB = b" \t\n\r\f\v"
PSQL_TIMEOUT = 120
PGWARD_TIMEOUT = 120
ADMIN_APP = "pgward-lexing-admin"
ROLE = "codex_staging"

# ---------------------------------------------------------------- the inputs

DEL = b"DELETE FROM eng.projects;"
READ = b"SELECT pg_read_file('/etc/passwd');"
# with standard_conforming_strings OFF psql reads 'a\'' as one string and sends the
# DELETE; a reader that thinks it is ON sees 'a\' and then a string hiding the DELETE
PAYLOAD_OFF = b"SELECT 'a\\'';DELETE FROM eng.projects;--';\n"
# with it ON psql closes 'a\' and sends the DELETE; a reader that thinks it is OFF sees
# one string 'a\';DELETE ...--'
PAYLOAD_ON = b"SELECT 'a\\';DELETE FROM eng.projects;--';\n"
STD_OFF = b"SET standard_conforming_strings = off;\n"
COPY_TABLE = b"CREATE TEMP TABLE lex_copy (a text);\n"

# a character of each ASCII-unsafe client encoding whose second byte is 0x5c (a
# backslash to a reader that does not know the encoding)
MB5C = {"SJIS": b"\x95\x5c",      # 表
        "BIG5": b"\xa5\x5c",      # 功
        "GBK": b"\x81\x5c",       # 乗
        "GB18030": b"\x81\x5c"}   # 乗


class Input:
    def __init__(self, name, data, note, variables=(), internal=()):
        self.name = name
        self.data = data
        self.note = note
        self.variables = list(variables)   # -v NAME=VALUE for both tools
        self.internal = [i.encode() if isinstance(i, str) else i for i in internal]


INPUTS = []


def case(name, data, note, variables=(), internal=()):
    assert all(i.name != name for i in INPUTS), name
    INPUTS.append(Input(name, data, note, variables, internal))


# --- NUL bytes: psql reads lines with fgets() and appends them with strlen(): the rest of
# a 1023-byte fgets chunk after a NUL is dropped, and so is the newline, which joins the
# line to the next one.
case("nul_in_string", b"SELECT 'x\x00';\n'; " + DEL + b" --\n",
     "NUL inside a string: psql drops \"';\\n\" and closes the string on line 2")
case("nul_opens_comment", b"SELECT 1;\x00/*\n" + DEL + b"\n-- */\n",
     "bytes after a NUL (dropped by psql) open a comment around the DELETE")
case("nul_in_line_comment", b"SELECT 1; -- note\x00\n" + DEL + b"\n",
     "NUL in a -- comment joins the next line into the comment")
case("nul_between_statements", b"SELECT 1;\n\x00\n" + DEL + b"\n" + READ + b"\n",
     "a line holding only a NUL between statements")
case("nul_long_line",
     b"SELECT 1;\x00--" + b"x" * (1023 - 12) + DEL + b"\n",
     "NUL then a comment filling psql's 1023-byte fgets chunk: psql reads the DELETE "
     "after the chunk boundary as SQL")

# --- other control bytes
case("ctrl_in_strings", b"SELECT 'a\x01b\x1ac\x7fd\x0be\x0cf';\n" + DEL + b"\n",
     "control bytes inside a string")
case("ctrl_outside_strings",
     b"SELECT 1\x01;\nSELECT\x0b2;\nSELECT\x0c3;\n\x1a" + DEL + b"\nSELECT 4\x7f;\n",
     "control bytes between tokens")
case("ctrl_vt_in_if", b"\\if\x0bfalse\n" + DEL + b"\n\\endif\n",
     "\\x0b after \\if: whitespace to PostgreSQL 16+, not to psql 15 (\\if\\x0bfalse "
     "is an unknown command, so the DELETE is active)")
case("ctrl_ff_in_if", b"\\if\x0cfalse\n" + DEL + b"\n\\endif\n",
     "\\x0c after \\if is whitespace to psql")
case("ctrl_vt_in_set", b"\\set v 1\x0b;" + DEL + b"\nSELECT :v;\n",
     "\\x0b inside a \\set argument")
case("ctrl_sub_in_comment", b"SELECT 1; -- a\x1a\n" + DEL + b"\n",
     "\\x1a (Ctrl-Z) in a comment is no end of file")

# --- CR and CRLF
case("cr_ends_line_comment", b"SELECT 1; -- note\r" + DEL + b"\n",
     "a bare CR ends a -- comment in psql's lexer")
case("cr_only_line_ends", b"SELECT 1;\r" + DEL + b"\r" + READ + b"\r",
     "a file with CR-only line ends is one long line to psql")
case("cr_meta_chain", b"\\if false\r\\endif\r" + DEL + b"\n\\endif\n",
     "CR is whitespace inside a meta-command line: \\endif on the same line is a command "
     "(taking the rest of the line as its arguments)")
case("cr_set_swallows", b"\\set v 1\r" + DEL + b"\nSELECT :'v';\n",
     "\\set takes the rest of the line after a bare CR as more arguments")
case("crlf_meta", b"\\set v 1\r\nSELECT :v;\r\n\\if false\r\n" + DEL + b"\r\n\\endif\r\n"
     b"SELECT 2;\r\n",
     "CRLF line ends around \\set and \\if")
case("crlf_set_quoted", b"\\set v 'it''s'\r\nSELECT :'v';\r\n" + DEL + b"\r\n",
     "CRLF after a quoted \\set value")
case("crlf_comment_eof", b"SELECT 1; -- c\r\n" + DEL + b"\r\nSELECT 2 -- tail\r",
     "CRLF comments, last line without LF")

# --- byte order mark
case("bom_start", b"\xef\xbb\xbf" + DEL + b"\n",
     "UTF-8 BOM at the start of the file")
case("bom_then_meta", b"\xef\xbb\xbf\\if false\n\\endif\n" + READ + b"\n",
     "BOM directly before a meta-command")
case("bom_double", b"\xef\xbb\xbf\xef\xbb\xbfSELECT 1;\n" + DEL + b"\n",
     "two BOMs: psql strips one")
case("bom_then_quote", b"\xef\xbb\xbf';" + DEL + b"--'\n",
     "BOM then a quote")

# --- invalid UTF-8
case("utf8_overlong_quote", b"SELECT '\xc0\xa7';" + DEL + b"--'\n",
     "overlong encoding of a quote (C0 A7) inside a string")
case("utf8_lone_continuation", b"SELECT '\x80';" + DEL + b"--'\n",
     "a lone continuation byte before a closing quote")
case("utf8_truncated_3", b"SELECT '\xe2\x82';" + DEL + b"--'\n",
     "a truncated 3-byte sequence before a closing quote")
case("utf8_truncated_4", b"SELECT '\xf0\x9f';" + DEL + b"--'\n",
     "a truncated 4-byte sequence before a closing quote")
case("utf8_truncated_eats_newline", b"SELECT 1; -- \xe2\n" + DEL + b"\n",
     "a truncated sequence at the end of a -- comment")
case("utf8_ff", b"SELECT '\xff';" + DEL + b"--'\n",
     "byte FF before a closing quote")
case("utf8_high_in_ident", b"SELECT 1 AS a\xff\xfe;" + DEL + b"\n",
     "invalid bytes in an identifier")

# --- client encodings whose second bytes can be a backslash or a quote: psql lexes each
# line in the client encoding in force when the line is read (ASCII-unsafe encodings mask
# every byte after a lead byte)
for enc in ("SJIS", "BIG5", "GBK", "GB18030"):
    lo = enc.lower()
    case("enc_%s_5c_estring" % lo,
         b"SET client_encoding = '" + enc.encode() + b"';\nSELECT E'" + MB5C[enc]
         + b"';" + DEL + b"--'\n",
         "%s: a character ending in 0x5c closes an E'' string" % enc)
    case("enc_%s_27_quote" % lo,
         b"SET client_encoding = '" + enc.encode() + b"';\nSELECT '\x81'';" + DEL + b"--'\n",
         "%s: lead byte 0x81 masks the next quote for psql" % enc)
case("enc_sjis_5c_std_off",
     b"SET client_encoding = 'SJIS';\n" + STD_OFF + b"SELECT '" + MB5C["SJIS"] + b"';" + DEL
     + b"--'\n",
     "SJIS and standard_conforming_strings off: 0x5c as a second byte is no escape")
case("enc_sjis_same_line",
     b"SET client_encoding = 'SJIS'; SELECT E'" + MB5C["SJIS"] + b"';" + DEL + b"--'\n"
     b"';" + READ + b"\n",
     "the encoding change applies from the next line on, not to the rest of its own line")
case("enc_sjis_back_to_utf8",
     b"SET client_encoding = 'SJIS';\nRESET client_encoding;\nSELECT E'\x95\\';" + DEL
     + b"--'\n",
     "RESET client_encoding goes back to UTF8 (the connection's value)")
case("enc_set_names",
     b"SET NAMES 'SJIS';\nSELECT E'" + MB5C["SJIS"] + b"';" + DEL + b"--'\n",
     "SET NAMES is SET client_encoding")
case("enc_set_config",
     b"SELECT set_config('client_encoding', 'SJIS', false);\nSELECT E'" + MB5C["SJIS"]
     + b"';" + DEL + b"--'\n",
     "set_config('client_encoding', ...)")
case("enc_alias_mskanji",
     b"SET client_encoding = 'mskanji';\nSELECT E'" + MB5C["SJIS"] + b"';" + DEL + b"--'\n",
     "an alias of SJIS")
case("enc_meta_encoding",
     b"\\encoding SJIS\nSELECT E'" + MB5C["SJIS"] + b"';" + DEL + b"--'\n",
     "\\encoding SJIS", internal=["set client_encoding to 'SJIS'"])
case("enc_meta_encoding_var",
     b"\\set e GBK\n\\encoding :e\nSELECT E'" + MB5C["GBK"] + b"';" + DEL + b"--'\n",
     "\\encoding with the name in a variable", internal=["set client_encoding to 'GBK'"])
case("enc_do_block",
     b"DO $$BEGIN PERFORM set_config('client_encoding', 'BIG5', false); END$$;\n"
     b"SELECT E'" + MB5C["BIG5"] + b"';" + DEL + b"--'\n",
     "client_encoding changed inside a DO block")
case("enc_reconnect_option",
     b"\\c 'client_encoding=SJIS'\nSELECT E'" + MB5C["SJIS"] + b"';" + DEL + b"--'\n",
     "\\c with a connection string naming client_encoding")
case("enc_setenv_reconnect",
     b"\\setenv PGCLIENTENCODING SJIS\n\\c\nSELECT E'" + MB5C["SJIS"] + b"';" + DEL
     + b"--'\n",
     "\\setenv PGCLIENTENCODING then \\c (psql keeps the connection's encoding)")

# --- standard_conforming_strings: psql lexes each line by the value the server last
# reported
for spelling, tag in ((b"off", "plain"), (b"0", "zero"), (b"'of'", "prefix_of"),
                      (b"no", "no"), (b"false", "false"), (b"'OFF'", "quoted_upper")):
    case("std_off_%s" % tag,
         b"SET standard_conforming_strings = " + spelling + b";\n" + PAYLOAD_OFF,
         "SET standard_conforming_strings = %s" % spelling.decode())
case("std_off_to", b"SET SESSION standard_conforming_strings TO off;\n" + PAYLOAD_OFF,
     "SET SESSION ... TO off")
case("std_to_default", STD_OFF + b"SET standard_conforming_strings TO DEFAULT;\n"
     + PAYLOAD_ON, "back on by TO DEFAULT")
case("std_reset", STD_OFF + b"RESET standard_conforming_strings;\n" + PAYLOAD_ON,
     "back on by RESET")
case("std_reset_all", STD_OFF + b"RESET ALL;\n" + PAYLOAD_ON, "back on by RESET ALL")
case("std_set_local",
     b"BEGIN;\nSET LOCAL standard_conforming_strings = off;\n" + PAYLOAD_OFF + b"COMMIT;\n"
     + PAYLOAD_ON,
     "SET LOCAL inside BEGIN..COMMIT: off inside, on again after COMMIT")
case("std_set_rolled_back",
     b"BEGIN;\n" + STD_OFF + b"ROLLBACK;\n" + PAYLOAD_ON,
     "a SET undone by ROLLBACK")
case("std_set_in_aborted_txn",
     b"BEGIN;\nSELECT 1/0;\n" + STD_OFF + b"COMMIT;\n" + PAYLOAD_ON,
     "a SET in an aborted transaction never takes effect")
case("std_set_config",
     b"SELECT set_config('standard_conforming_strings', 'off', false);\n" + PAYLOAD_OFF,
     "set_config('standard_conforming_strings', 'off', false)")
case("std_do_block",
     b"DO $$BEGIN EXECUTE 'SET standard_conforming_strings = off'; END$$;\n" + PAYLOAD_OFF,
     "SET executed inside a DO block")
case("std_same_line",
     b"SET standard_conforming_strings = off; " + PAYLOAD_ON,
     "the change applies from the next line on: the rest of its own line is lexed with on")
case("std_reconnect_options",
     b"\\c 'options=-cstandard_conforming_strings=off'\n" + PAYLOAD_OFF,
     "\\c with options=-c standard_conforming_strings=off")
case("std_alter_database",
     b"SELECT current_database() AS db \\gset\n"
     b"ALTER DATABASE :\"db\" SET standard_conforming_strings = off;\n\\c\n" + PAYLOAD_OFF,
     "ALTER DATABASE ... SET then a reconnect")
case("std_set_in_inactive_if",
     b"\\if false\n" + STD_OFF + b"\\endif\n" + PAYLOAD_ON,
     "a SET in an inactive \\if branch is never sent")
case("std_gexec", b"SELECT 'SET standard_conforming_strings = off' \\gexec\n" + PAYLOAD_OFF,
     "the SET is a query result run by \\gexec")
case("std_backslash_quote",
     b"SET backslash_quote = on;\n" + STD_OFF + PAYLOAD_OFF,
     "backslash_quote on, standard_conforming_strings off")
case("std_off_uescape",
     STD_OFF + b"SELECT U&'\\';" + DEL + b"--';\n",
     "U&'' strings are lexed without backslash escapes even when strings are not standard")

# --- E'' and U&'' strings
case("estring_escaped_quote", b"SELECT E'a\\'';" + DEL + b"--';\n",
     "E'a\\'' is one string")
case("estring_double_backslash", b"SELECT E'a\\\\';" + DEL + b"--';\n",
     "E'a\\\\' ends at the second quote")
case("estring_after_ident", b"SELECT 1 xE'a\\';" + DEL + b"--';\n",
     "xE'...' is an identifier then a standard string, not an E string")
case("estring_space", b"SELECT E 'a\\';" + DEL + b"--';\n",
     "E then a space then a standard string")
case("estring_continuation", b"SELECT E'x'\n'\\'';" + DEL + b"--';\n",
     "an E'' string continued on the next line: does the continuation keep the escapes?")
case("estring_lowercase_continuation", b"SELECT e'x' -- c\n'\\'';" + DEL + b"--';\n",
     "e'' continued after a comment")
case("uescape_backslash_end", b"SELECT U&'\\';" + DEL + b"--';\n",
     "U&'\\' ends at its second quote")
case("uescape_custom", b"SELECT U&'d!0061t!+000061' UESCAPE '!';\n" + DEL + b"\n",
     "U&'' with UESCAPE")
case("uescape_quote_escape", b"SELECT U&'a''' UESCAPE '''';" + DEL + b"\n",
     "UESCAPE with a quote")

# --- dollar quotes
case("dollar_digit_tag", b"SELECT $1$;" + DEL + b"--$1$;\n",
     "$1$ is no dollar quote (a tag cannot start with a digit)")
case("dollar_in_identifier", b"SELECT 1 AS a$b$;" + DEL + b"--$b$;\n",
     "a$b$ is an identifier, not a$ + a dollar quote")
case("dollar_underscore_tag", b"SELECT $_$;" + DEL + b"--$_$;\n" + READ + b"\n",
     "$_$ is a dollar quote")
case("dollar_var_like_tag", b"\\set a 'x'\nSELECT $a$ :a ; $a$;\n" + DEL + b"\n",
     "tag $a$ and :a inside the quote")
case("dollar_nested", b"SELECT $x$ $y$ ; $x$ ;" + DEL + b" -- $y$;\n",
     "$y$ inside $x$ does not nest")
case("dollar_var_opens", b"\\set d '$$'\nSELECT :d;" + DEL + b"--$$;\n",
     "a variable whose value opens a dollar quote")

# --- psql variables
case("var_in_quotes_and_comments",
     b"\\set v 'DELETE FROM eng.projects'\nSELECT ':v', ':''v''' /* :v */, $$:v$$; -- :v\n"
     b"SELECT \":v\";\n",
     "no expansion inside strings, quoted identifiers, comments, dollar quotes")
case("var_value_quote", b"\\set q ''''\nSELECT :q;" + DEL + b"--' ;\n",
     "a plain :var whose value is a quote opens a string")
case("var_value_semicolon", b"SELECT :p;\n", "a -v value holding a semicolon",
     variables=["p=1; DELETE FROM eng.projects"])
case("var_literal_ident", b"\\set v 'it''s; DELETE FROM eng.projects; --'\n"
     b"SELECT :'v';\nSELECT :\"v\";\n",
     ":'v' and :\"v\" of a value with quotes and semicolons")
case("var_undefined_quote", b"SELECT :'nosuch;" + DEL + b"--';\n",
     ":' not followed by a variable name is a colon and a string")
case("var_undefined_literal", b"SELECT :'nosuch';" + DEL + b"--';\n",
     "an undefined :'var' stays as written")
case("var_set_concat_semicolon", b"\\set a 'SELECT 1'\n\\set b :a ';' " + DEL[:-1]
     + b"\n:b;\n",
     "\\set concatenating a semicolon into a value that is then used as SQL")
case("var_singleline", b"\\set SINGLELINE on\nSELECT 'x'\n" + DEL + b"\n",
     "SINGLELINE: a newline sends the statement")
case("var_singleline_quote", b"\\set SINGLELINE on\nSELECT '\n';" + DEL + b"--'\n",
     "SINGLELINE with a string spanning the newline")

# --- SQL text psql makes at run time
case("gexec_delete", b"SELECT 'DELETE FROM eng.projects' \\gexec\n",
     "\\gexec sends each result value as a query")
case("gset_as_sql", b"SELECT 'DELETE FROM eng.projects' AS q \\gset\n:q;\n",
     "a \\gset result interpolated as SQL text")
case("backtick_var", b"\\set q `echo DELETE FROM eng.projects`\n:q;\n",
     "a variable set from a shell command, interpolated as SQL text")

# --- \; and \g
case("backslash_semicolon", b"SELECT 1 \\; " + DEL + b"\n",
     "\\; puts two statements into one query")
case("g_and_semicolon", b"SELECT 1 \\g\n" + DEL[:-1] + b" \\g\n" + READ[:-1] + b" \\gx\n",
     "\\g and \\gx instead of ;")
case("g_resend", b"SELECT 1;\n\\g\n" + DEL + b"\n\\g\n",
     "\\g with an empty buffer sends the previous query again")
case("g_in_comment_line", b"SELECT 1 -- \\g\n;" + DEL + b"\n",
     "\\g inside a -- comment is part of the comment")

# --- comments
case("comment_nested", b"/* a /* b */ ' */ " + DEL + b" -- '\n",
     "nested /* */: the DELETE is after the outer comment")
case("comment_nested_hides", b"/* outer /* inner */ " + DEL + b" */ SELECT 1;\n",
     "nested /* */ around a DELETE")
case("comment_line_eof_no_newline", b"SELECT 1;\n" + DEL + b" --",
     "-- at end of file without a newline")
case("comment_block_in_line_comment", b"-- /*\n" + DEL + b"\n-- */\n",
     "/* inside a -- comment starts nothing")
case("no_semicolon_eof", b"SELECT 1;\n" + DEL[:-1],
     "last statement without semicolon at end of file")

# --- COPY FROM STDIN: psql sends the lines that follow as data until a line that is
# exactly \. (LF or CRLF), or end of file
case("copy_terminator_variants",
     COPY_TABLE + b"COPY lex_copy FROM STDIN;\nx;" + DEL + b"\n\\. \n" + DEL + b"\n \\.\n"
     + DEL + b"\n\\.x\n\\\\.\n\\.\nSELECT 1;\n",
     "data lines that look like the end marker but are not")
case("copy_crlf_end",
     COPY_TABLE + b"COPY lex_copy FROM STDIN;\nrow1\n\\.\r\n" + DEL + b"\n",
     "\\. followed by CRLF ends the data")
case("copy_csv_quoted_end",
     COPY_TABLE + b"COPY lex_copy FROM STDIN (FORMAT csv);\n\"a\n\\.\n" + DEL + b"\n\"\n\\.\n",
     "psql ends CSV data at \\. even inside a quoted field")
case("copy_fails_before_data",
     COPY_TABLE + b"COPY lex_copy (no_such_column) FROM STDIN;\n" + DEL + b"\n\\.\n",
     "a COPY the server rejects before asking for data: psql reads the data as SQL")
case("copy_data_eof", COPY_TABLE + b"COPY lex_copy FROM STDIN;\n" + DEL + b"\n",
     "data up to the end of the file")
case("copy_nul_in_data",
     COPY_TABLE + b"COPY lex_copy FROM STDIN;\nrow\x00junk\n\\.\n" + DEL + b"\n",
     "a NUL in a data line: the next \\. line no longer starts a line for psql")
case("copy_same_line_data",
     COPY_TABLE + b"COPY lex_copy FROM STDIN; " + DEL + b"\nrow\n\\.\n",
     "SQL after the COPY on its line")

# --- inactive \if branches: psql still lexes them for quotes to find backslash commands
case("if_false_unterminated_quote",
     b"\\if false\nSELECT 'unterminated\n\\endif\n" + DEL + b"\n",
     "an open quote in an inactive branch swallows the \\endif")
case("if_false_quote_closes_later",
     b"\\if false\nSELECT 'it''s\n\\endif\n';\n\\endif\n" + DEL + b"\n",
     "the \\endif inside a string of an inactive branch is not a command")
case("if_false_comment",
     b"\\if false\n/*\n\\endif\n*/\n\\endif\n" + DEL + b"\n",
     "the \\endif inside a comment of an inactive branch is not a command")
case("if_false_dollar",
     b"\\if false\nSELECT $q$\n\\endif\n$q$;\n\\endif\n" + DEL + b"\n",
     "the \\endif inside a dollar quote of an inactive branch is not a command")
case("if_false_std_off_quote",
     STD_OFF + b"\\if false\nSELECT 'a\\'\n\\endif\n';\n\\endif\n" + DEL + b"\n",
     "an inactive branch lexed with standard_conforming_strings off")


# ---------------------------------------------------------------- fixtures

def fixture_path(fdir, inp):
    return os.path.join(fdir, inp.name + ".sql")


def write_fixtures(fdir):
    os.makedirs(fdir, exist_ok=True)
    for inp in INPUTS:
        with open(fixture_path(fdir, inp), "wb") as f:
            f.write(inp.data)
    known = {inp.name + ".sql" for inp in INPUTS}
    for n in sorted(os.listdir(fdir)):
        if n.endswith(".sql") and n not in known:
            os.remove(os.path.join(fdir, n))
    print("wrote %d fixtures to %s" % (len(INPUTS), fdir))


def check_fixtures(fdir):
    """Problems: files that differ from INPUTS, are missing or unknown."""
    problems = []
    for inp in INPUTS:
        p = fixture_path(fdir, inp)
        try:
            with open(p, "rb") as f:
                if f.read() != inp.data:
                    problems.append("%s differs from its definition in lexing_test.py" % p)
        except FileNotFoundError:
            problems.append("%s is missing" % p)
    known = {inp.name + ".sql" for inp in INPUTS}
    if os.path.isdir(fdir):
        for n in sorted(os.listdir(fdir)):
            if n.endswith(".sql") and n not in known:
                problems.append("%s is not defined in lexing_test.py" % os.path.join(fdir, n))
    return problems


# ---------------------------------------------------------------- what psql sends

class Capture:
    """A transparent TCP proxy in front of the server's unix socket that records the
    query text of every 'Q' (and 'P') message clients send through it, in order."""

    SSL_REQUEST, GSS_REQUEST, CANCEL_REQUEST = 80877103, 80877104, 80877102

    def __init__(self, upstream):
        self.upstream = upstream
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.stop_r, self.stop_w = os.pipe()
        self.lock = threading.Lock()
        self.queries = []     # bytes, in the order the messages were sent
        self.errors = []
        self.threads = []
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()

    def _accept(self):
        while True:
            ready, _, _ = select.select([self.lsock, self.stop_r], [], [])
            if self.stop_r in ready:
                return
            try:
                client, _ = self.lsock.accept()
                server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                server.connect(self.upstream)
            except OSError as e:
                with self.lock:
                    self.errors.append("proxy: %s" % e)
                continue
            t1 = threading.Thread(target=self._from_client, args=(client, server), daemon=True)
            t2 = threading.Thread(target=self._pump, args=(server, client), daemon=True)
            with self.lock:
                self.threads += [t1, t2]
            t1.start()
            t2.start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
                try:
                    s.shutdown(how)
                except OSError:
                    pass

    def _from_client(self, client, server):
        buf = bytearray()
        startup = True
        try:
            while True:
                data = client.recv(65536)
                if not data:
                    break
                buf += data
                startup = self._parse(buf, startup)
                server.sendall(data)
        except OSError as e:
            with self.lock:
                self.errors.append("proxy: %s" % e)
        finally:
            if buf:
                with self.lock:
                    self.errors.append("proxy: %d bytes of an incomplete message" % len(buf))
            for s, how in ((server, socket.SHUT_WR), (client, socket.SHUT_RD)):
                try:
                    s.shutdown(how)
                except OSError:
                    pass

    def _parse(self, buf, startup):
        while True:
            if startup:                       # untyped: length, code, body
                if len(buf) < 8:
                    return startup
                n = int.from_bytes(buf[0:4], "big")
                if len(buf) < n:
                    return startup
                code = int.from_bytes(buf[4:8], "big")
                del buf[:n]
                if code not in (self.SSL_REQUEST, self.GSS_REQUEST, self.CANCEL_REQUEST):
                    startup = False
                continue
            if len(buf) < 5:
                return startup
            n = int.from_bytes(buf[1:5], "big")
            if len(buf) < 1 + n:
                return startup
            kind, body = buf[0], bytes(buf[5:1 + n])
            del buf[:1 + n]
            if kind == ord("Q"):
                text = body[:-1] if body.endswith(b"\0") else body
            elif kind == ord("P"):
                text = body.split(b"\0", 2)[1]
            else:
                continue
            with self.lock:
                self.queries.append(text)

    def close(self, timeout):
        os.write(self.stop_w, b"x")
        self.acceptor.join(timeout)
        with self.lock:
            threads = list(self.threads)
        for t in threads:
            t.join(timeout)
        alive = sum(t.is_alive() for t in threads) + self.acceptor.is_alive()
        self.lsock.close()
        os.close(self.stop_r)
        os.close(self.stop_w)
        if alive:
            raise HarnessError("the proxy's connections did not end within %d s" % timeout)
        if self.errors:
            raise HarnessError("; ".join(self.errors))
        return list(self.queries)


def log_count(records, appname):
    """Queries psql's session(s) sent as the server logged them: the statements (as
    conformance.py reads them) plus those rejected by the encoding conversion, which
    are logged as an ERROR without a statement."""
    stmts, _ = psql_statements(records, appname)
    sessions = {r.get("session_id") for r in records if r.get("application_name") == appname}
    conv = [r for r in records
            if r.get("session_id") in sessions and r.get("error_severity") == "ERROR"
            and "statement" not in r
            and ("invalid byte sequence" in r.get("message", "")
                 or "has no equivalent in encoding" in r.get("message", ""))]
    return len(stmts) + len(conv)


class Runner:
    def __init__(self, args, repo):
        self.args = args
        self.repo = repo
        self.psql = args.psql or shutil.which("psql")
        if not self.psql:
            raise HarnessError("psql not found (run under tests/pg/with_pg.sh)")
        jsonlog = os.environ.get("PGWARD_PG_JSONLOG", "")
        if not jsonlog:
            raise HarnessError("PGWARD_PG_JSONLOG is not set: run under "
                               "tests/pg/with_pg.sh --log-statements")
        host, port = os.environ.get("PGHOST", ""), os.environ.get("PGPORT", "")
        if not host.startswith("/") or not port:
            raise HarnessError("PGHOST must be the server's socket folder and PGPORT set "
                               "(run under tests/pg/with_pg.sh)")
        self.upstream = os.path.join(host, ".s.PGSQL.%s" % port)
        self.log = JsonLog(jsonlog)
        self.env = dict(os.environ)
        for k in ("PGOPTIONS", "PSQLRC", "PGAPPNAME", "PGCLIENTENCODING", "PGSERVICE",
                  "PGHOSTADDR", "PGDATABASE"):
            self.env.pop(k, None)
        self.env["PGCLIENTENCODING"] = "UTF8"
        self.env["PGSSLMODE"] = "disable"
        self.env["PGGSSENCMODE"] = "disable"
        self.serial = 0

    def admin(self, sql, db="postgres"):
        env = dict(self.env, PGAPPNAME=ADMIN_APP, PGDATABASE=db)
        p = subprocess.run([self.psql, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                           env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
        if p.returncode != 0:
            raise HarnessError("%s failed: %s" % (sql, p.stderr.decode(errors="replace").strip()))
        return p.stdout.decode(errors="replace").strip()

    def run_psql(self, fdir, inp):
        """Returns (queries psql sent minus its own, notes)."""
        self.serial += 1
        n = self.serial
        db = "lex_%d" % n
        appname = "pgward-lexing-%d" % n
        marker = "SELECT 'pgward-lexing-marker-%d'" % n
        self.admin("CREATE DATABASE %s TEMPLATE template0 STRATEGY = FILE_COPY" % db)
        notes = []
        try:
            self.admin("CREATE SCHEMA eng; CREATE TABLE eng.projects "
                       "(id int PRIMARY KEY, name text); "
                       "INSERT INTO eng.projects VALUES (1, 'one')", db=db)
            cap = Capture(self.upstream)
            cmd = [self.psql, "-X", "-q", "-f", inp.name + ".sql"]
            for v in inp.variables:
                cmd += ["-v", v]
            env = dict(self.env, PGDATABASE=db, PGAPPNAME=appname, PGHOST="127.0.0.1",
                       PGPORT=str(cap.port))
            try:
                p = subprocess.run(cmd, cwd=fdir, env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   timeout=PSQL_TIMEOUT)
                if p.returncode not in (0, 1, 3):
                    notes.append("psql exited with status %d: %s" % (
                        p.returncode, trunc(p.stderr.decode(errors="replace")[-300:])))
                if self.args.show_stderr and p.stderr:
                    notes.append("psql stderr: %s" % p.stderr.decode(errors="replace").strip())
            except subprocess.TimeoutExpired:
                notes.append("psql timed out after %d s" % PSQL_TIMEOUT)
            sent = cap.close(timeout=30)
            self.admin(marker)
            records = self.log.read_until("statement: " + marker)
            logged = log_count(records, appname)
            if logged != len(sent):
                raise HarnessError("the proxy saw %d queries but the server logged %d for "
                                   "psql's session: %s" % (len(sent), logged, sent))
        finally:
            self.admin("DROP DATABASE IF EXISTS %s WITH (FORCE)" % db)
        for own in inp.internal:
            if own in sent:
                sent.remove(own)
            else:
                notes.append("psql did not send its own query %r" % own)
        return sent, notes

    def pgward(self, fdir, inp, cmd):
        cmd = [self.args.pgward] + cmd + [inp.name + ".sql"]
        for v in inp.variables:
            cmd += ["-v", v]
        try:
            p = subprocess.run(cmd, cwd=fdir, stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=PGWARD_TIMEOUT)
        except subprocess.TimeoutExpired:
            return None, "pgward timed out after %d s" % PGWARD_TIMEOUT
        # 2 with JSON on stdout: the file was refused as input (input-error, e.g. a NUL)
        if p.returncode not in (0, 1) and not (p.returncode == 2 and p.stdout.startswith(b"{")):
            return None, "%s exited with status %d: %s" % (
                " ".join(cmd[1:3]), p.returncode,
                trunc(p.stderr.decode(errors="replace")[-300:]))
        try:
            # bytes that are not UTF-8 are U+FFFD in the JSON (surrogateescape: harmless)
            return json.loads(p.stdout.decode("utf-8", "surrogateescape")), None
        except ValueError as e:
            return None, "%s output is not JSON (%s): %s" % (
                " ".join(cmd[1:3]), e, trunc(p.stdout[:300]))

    def run_parse(self, fdir, inp):
        doc, err = self.pgward(fdir, inp, ["parse", "--format", "json"])
        if err:
            return None, err
        try:
            return [st["text"].encode("utf-8", "surrogateescape")
                    for st in doc["statements"]], None
        except (KeyError, TypeError) as e:
            return None, "pgward parse output lacks statements[].text (%s)" % e

    def run_lint(self, fdir, inp):
        """Returns (the unproven error findings' messages, the rule ids of all error
        findings, error)."""
        policy = os.path.join(self.repo, "rules", "staging.policy")
        doc, err = self.pgward(fdir, inp, ["lint", "--policy", policy, "--role", ROLE,
                                           "--format", "json"])
        if err:
            return [], [], err
        try:
            errors = [f for f in doc["findings"] if f.get("severity") == "error"]
            # a file refused whole as not SQL text (input-error) is refused too
            return (["%s: %s" % (f.get("rule"), f.get("message", "")) for f in errors
                     if f.get("rule") in ("unproven", "input-error")],
                    sorted({str(f.get("rule")) for f in errors}), None)
        except (KeyError, TypeError, AttributeError) as e:
            return [], [], "pgward lint output lacks findings (%s)" % e


def same(a, b):
    a = [s.strip(WSB) for s in a]
    b = [s.strip(WSB) for s in b]
    return a == b


def show_seq(title, seq):
    print("      %s (%d):" % (title, len(seq)))
    for i, s in enumerate(seq):
        print("        [%d] %s" % (i, trunc(s, 400)))
    if not seq:
        print("        (nothing)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pgward", help="the pgward executable")
    ap.add_argument("--psql", help="psql to use (default: psql on PATH)")
    ap.add_argument("--repo", default=DEFAULT_REPO, help="project root")
    ap.add_argument("--fixtures", help="default: <repo>/tests/fixtures/lexing")
    ap.add_argument("--show", action="store_true",
                    help="print, per input, what psql sent and what pgward saw")
    ap.add_argument("--show-stderr", action="store_true", help="print psql's stderr")
    ap.add_argument("--write-fixtures", action="store_true",
                    help="write the inputs to the fixtures folder and exit")
    ap.add_argument("--list", action="store_true", help="list the inputs and exit")
    ap.add_argument("names", nargs="*", help="run only these inputs (default: all)")
    args = ap.parse_args()
    repo = os.path.abspath(args.repo)
    fdir = os.path.abspath(args.fixtures or os.path.join(repo, "tests", "fixtures", "lexing"))

    if args.write_fixtures:
        write_fixtures(fdir)
        return 0
    if args.list:
        for inp in INPUTS:
            print("%-34s %s" % (inp.name, inp.note))
        return 0
    if not args.pgward:
        ap.error("--pgward is required")
    if not os.access(args.pgward, os.X_OK):
        print("pgward executable not found: %s" % args.pgward)
        return 2
    args.pgward = os.path.abspath(args.pgward)    # it runs in the fixtures folder
    selected = INPUTS
    if args.names:
        byname = {i.name: i for i in INPUTS}
        unknown = [n for n in args.names if n not in byname]
        if unknown:
            print("unknown input(s): %s (see --list)" % ", ".join(unknown))
            return 2
        selected = [byname[n] for n in args.names]

    problems = check_fixtures(fdir)
    if problems:
        for p in problems:
            print("fixture problem: %s" % p)
        print("(run: python3 tests/pg/lexing_test.py --write-fixtures)")
        return 2
    try:
        runner = Runner(args, repo)
        print("server: %s" % runner.admin("SELECT version()"))
        print("psql: %s" % subprocess.run([runner.psql, "--version"], capture_output=True,
                                          text=True).stdout.strip())
    except HarnessError as e:
        print("harness error: %s" % e)
        return 2

    passed, failed = 0, []
    for inp in selected:
        shown = inp.name + ("  [-v %s]" % " -v ".join(inp.variables) if inp.variables else "")
        try:
            sent, notes = runner.run_psql(fdir, inp)
        except (HarnessError, subprocess.TimeoutExpired) as e:
            print("FAIL  %s: harness error: %s" % (shown, e))
            failed.append(inp.name)
            continue
        saw, perr = runner.run_parse(fdir, inp)
        unproven, error_rules, lerr = runner.run_lint(fdir, inp)
        equal = saw is not None and same(sent, saw)
        if args.show:
            print("----  %s: %s" % (inp.name, inp.note))
            show_seq("psql sent", sent)
            if saw is not None:
                show_seq("pgward saw", saw)
            print("      unproven: %s" % (trunc(unproven[0], 200) if unproven else "no"))
        if equal:
            print("OK    %s (same %d statements)" % (shown, len(sent)))
            passed += 1
        elif unproven:
            print("OK    %s (differs; refused: %s)" % (shown, trunc(unproven[0], 160)))
            passed += 1
        else:
            failed.append(inp.name)
            print("FAIL  %s: %s" % (shown, inp.note))
            if perr:
                print("      pgward parse: %s" % perr)
            if lerr:
                print("      pgward lint: %s" % lerr)
            print("      psql sent statements pgward did not see as such, and lint did not "
                  "refuse (no error-level 'unproven' finding for %s; its error-level rules: %s)"
                  % (ROLE, ", ".join(error_rules) or "none"))
            if not args.show:
                show_seq("psql sent", sent)
                if saw is not None:
                    show_seq("pgward saw", saw)
        for note in notes:
            print("      note: %s" % note)
    print("%d passed, %d failed" % (passed, len(failed)))
    if failed:
        print("failed: %s" % " ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
