/*
 * policy_parse.y: the grammar of the policy language (documented in rules/POLICY.md).
 *
 * A pure, reentrant bison parser with locations. Actions only hand each declaration
 * to the builder (src/policy_build.h); meaning (known families, valid classes,
 * patterns that compile) is checked there and in policy.c. The first syntax error
 * stops the parse with "file:line:col: syntax error, unexpected X, expecting Y".
 */
%code requires {
#include "policy/policy_build.h"
}

%code provides {
int pgw_policy_yylex(PGW_POLICY_YYSTYPE *lval, PGW_POLICY_YYLTYPE *lloc, void *scanner);
void pgw_policy_yyerror(PGW_POLICY_YYLTYPE *lloc, void *scanner, policy_builder *b,
                        const char *msg);
}

%code {
#include <stdlib.h>

#define LOC(l) ((policy_loc){(l).first_line, (l).first_column})
}

%define api.pure full
%define api.prefix {pgw_policy_yy}
%define parse.error detailed
%locations
%lex-param {void *scanner}
%parse-param {void *scanner} {policy_builder *b}

%union {
    char *str;
    name_list *list;
}

%token KW_FAMILY "family" KW_SCHEMA "schema" KW_PATTERN "pattern" KW_ISOLATE "isolate"
%token KW_BRIDGE "bridge" KW_READS "reads" KW_PROTECT "protect" KW_SENSITIVE "sensitive"
%token KW_TABLE "table" KW_COLUMN "column" KW_ROLE "role" KW_RESTRICTED "restricted"
%token KW_UNRESTRICTED "unrestricted" KW_LIFETIME "lifetime" KW_GRANT "grant" KW_ON "on"
%token KW_ALLOW "allow" KW_FUNCTION "function" KW_RULE "rule" KW_SET "set"
%token KW_DEFAULT "default" KW_REQUIRE "require" KW_EXTENSION "extension"
%token KW_EXCLUDE "exclude" KW_BUDGET "budget" KW_APPROVER "approver" KW_APPROVALS "approvals"
%token KW_KEY "key" KW_HUMAN "human"
%token <str> IDENT "identifier" STRING "string" DURATION "duration" NUMBER "number"
%token BAD_STRING "unterminated string" BAD_CHAR "unexpected character"

%type <list> names qualified_names
%type <str> qualified_name word

%destructor { free($$); } <str>
%destructor { name_list_free($$); } <list>

%%

policy
    : %empty
    | policy declaration
    ;

declaration
    : "family" word { pb_family_begin(b, $2, LOC(@2)); $2 = NULL; } '{' family_items '}'
    | "isolate" names ';'                          { pb_isolate(b, $2); }
    | "bridge" "schema" word "reads" names ';'     { pb_bridge(b, $3, LOC(@3), $5); }
    | "protect" "schema" names ';'                 { pb_protect(b, $3); }
    | "sensitive" "table" "pattern" STRING ';'     { pb_sensitive(b, false, $4, LOC(@4)); }
    | "sensitive" "column" "pattern" STRING ';'    { pb_sensitive(b, true, $4, LOC(@4)); }
    | "role" word { pb_role_begin(b, $2, LOC(@2)); $2 = NULL; } '{' role_items '}'
    | "rule" word word ';'                         { pb_rule(b, $2, LOC(@2), $3, LOC(@3)); }
    | "set" word '=' STRING ';'                    { pb_setting(b, $2, LOC(@2), $4); }
    | "default" "role" word ';'                    { pb_default_role(b, $3, LOC(@3)); }
    | "require" "extension" names ';'              { pb_require_extensions(b, $3); }
    | "exclude" STRING ';'                         { pb_exclude(b, $2, LOC(@2)); }
    | "budget" word DURATION ';'                   { pb_budget(b, $2, LOC(@2), $3, LOC(@3)); }
    | "approver" word "key" STRING ';'             { pb_approver(b, $2, LOC(@2), $4, LOC(@4), false); }
    | "approver" word "key" STRING "human" ';'     { pb_approver(b, $2, LOC(@2), $4, LOC(@4), true); }
    ;

family_items
    : %empty
    | family_items family_item
    ;

family_item
    : "schema" names ';'                           { pb_family_schemas(b, $2); }
    | "pattern" STRING ';'                         { pb_family_pattern(b, $2, LOC(@2)); }
    ;

role_items
    : %empty
    | role_items role_item
    ;

role_item
    : "restricted" ';'                             { pb_role_restricted(b, true); }
    | "unrestricted" ';'                           { pb_role_restricted(b, false); }
    | "lifetime" DURATION ';'                      { pb_role_lifetime(b, $2, LOC(@2)); }
    | "grant" names "on" "family" word ';'         { pb_role_grant(b, $2, TARGET_FAMILY, $5, LOC(@5)); }
    | "grant" names "on" "schema" word ';'         { pb_role_grant(b, $2, TARGET_SCHEMA, $5, LOC(@5)); }
    | "grant" names "on" "table" qualified_name ';' { pb_role_grant(b, $2, TARGET_TABLE, $5, LOC(@5)); }
    | "allow" "function" qualified_names ';'       { pb_role_functions(b, $3); }
    | "approvals" NUMBER ';'                       { pb_role_approvals(b, $2, LOC(@2), NULL, LOC(@2)); }
    | "approvals" NUMBER "human" NUMBER ';'        { pb_role_approvals(b, $2, LOC(@2), $4, LOC(@4)); }
    ;

names
    : word                                         { $$ = name_list_new($1, LOC(@1)); }
    | names ',' word                               { $$ = name_list_add($1, $3, LOC(@3)); }
    ;

qualified_names
    : qualified_name                               { $$ = name_list_new($1, LOC(@1)); }
    | qualified_names ',' qualified_name           { $$ = name_list_add($1, $3, LOC(@3)); }
    ;

qualified_name
    : word '.' word                                { $$ = xasprintf("%s.%s", $1, $3); free($1); free($3); }
    ;

/* a name: an identifier, or a keyword used as one (a schema called "table") */
word
    : IDENT
    | STRING
    ;

%%

void pgw_policy_yyerror(PGW_POLICY_YYLTYPE *lloc, void *scanner, policy_builder *b,
                        const char *msg)
{
    (void)scanner;
    policy_error(b, LOC(*lloc), "%s", msg);
}
