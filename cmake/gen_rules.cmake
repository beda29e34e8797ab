# gen_rules.cmake: the rule registry, generated from the one place a rule is defined,
# its doc rules/<id>.md:
#
#   # <id>
#
#   <summary: one line, lowercase, no final period>
#
#   Default severity: <error|warning|info> (<opt-in, >group: <group>).
#   ...
#
#   cmake -DDOCS_DIR=rules -DOUT_H=gen/rule_ids.h -DOUT_C=gen/rule_table.c -P gen_rules.cmake
#
# rule_ids.h: enum rule_id (RULE_<ID>, sorted by id, RULE_COUNT last), so a rule
# named in code is a compile-checked constant; rule_table.c: rule_defs[], each
# rule's id, default severity, opt-in, group, summary and whole doc (as hex escapes,
# so any byte survives). A doc that does not follow the format stops the build.
file(GLOB docs "${DOCS_DIR}/*.md")
set(ids "")
foreach(doc IN LISTS docs)
  get_filename_component(id ${doc} NAME_WE)
  if(NOT id STREQUAL "POLICY")
    list(APPEND ids "${id}")
  endif()
endforeach()
list(SORT ids) # by id, as strcmp orders them: rule_lookup() searches this order
set(groups "front end" "policy" "transaction" "migration" "security" "suppression")
set(group_consts FRONT_END POLICY TRANSACTION MIGRATION SECURITY META)
set(enum_body "")
set(table_body "")
set(count 0)

function(hex_escape out text)
  string(HEX "${text}" hex)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" esc "${hex}")
  set(${out} "${esc}" PARENT_SCOPE)
endfunction()

foreach(id IN LISTS ids)
  set(doc "${DOCS_DIR}/${id}.md")
  if(NOT id MATCHES "^[a-z][a-z-]*[a-z]$")
    message(FATAL_ERROR "${doc}: a rule id is lowercase words joined by '-'")
  endif()
  file(READ ${doc} text)
  if(NOT text MATCHES "^# ([^\n]*)\n\n([^\n]+)\n\nDefault severity: (error|warning|info) \\((opt-in, )?group: ([a-z ]+)\\)\\.\n")
    message(FATAL_ERROR "${doc}:1:1: expected '# ${id}', a blank line, the summary, a blank line and 'Default severity: SEVERITY ([opt-in, ]group: GROUP).'")
  endif()
  set(title "${CMAKE_MATCH_1}")
  set(summary "${CMAKE_MATCH_2}")
  set(sev "${CMAKE_MATCH_3}")
  set(optin "${CMAKE_MATCH_4}")
  set(group "${CMAKE_MATCH_5}")
  if(NOT title STREQUAL id)
    message(FATAL_ERROR "${doc}:1:3: the title '${title}' is not the file's id '${id}'")
  endif()
  list(FIND groups "${group}" gi)
  if(gi LESS 0)
    message(FATAL_ERROR "${doc}:5:1: unknown group '${group}' (one of: ${groups})")
  endif()
  list(GET group_consts ${gi} gconst)
  string(TOUPPER "${sev}" SEV)
  if(optin)
    set(optin_c true)
  else()
    set(optin_c false)
  endif()
  string(TOUPPER "${id}" const)
  string(REPLACE "-" "_" const "${const}")
  hex_escape(summary_c "${summary}")
  hex_escape(doc_c "${text}")
  string(APPEND enum_body "    RULE_${const},\n")
  string(APPEND table_body "    [RULE_${const}] = {\"${id}\", SEV_${SEV}, ${optin_c}, RULE_GROUP_${gconst},\n"
                           "        \"${summary_c}\",\n        \"${doc_c}\"},\n")
  math(EXPR count "${count} + 1")
endforeach()

set(banner "/* generated from the docs rules/<id>.md by cmake/gen_rules.cmake: do not edit */\n")
file(WRITE ${OUT_H}.tmp "${banner}"
  "#ifndef PGWARD_RULE_IDS_H\n#define PGWARD_RULE_IDS_H\n\n"
  "#include <stdbool.h>\n\n#include \"base/severity.h\"\n\n"
  "/* Every rule pgward reports, sorted by id: RULE_SET_NOT_NULL is \"set-not-null\". */\n"
  "typedef enum rule_id {\n${enum_body}    RULE_COUNT\n} rule_id;\n\n"
  "typedef enum rule_group {\n"
  "    RULE_GROUP_FRONT_END,   /* reading the script */\n"
  "    RULE_GROUP_POLICY,      /* the policy gate: needs --policy */\n"
  "    RULE_GROUP_TRANSACTION, /* what pgward apply runs in a transaction */\n"
  "    RULE_GROUP_MIGRATION,   /* migration safety (locks, rewrites, types, ...) */\n"
  "    RULE_GROUP_SECURITY,    /* security (search_path, grants, RLS, ...) */\n"
  "    RULE_GROUP_META,        /* about suppressions themselves */\n"
  "} rule_group;\n\n"
  "typedef struct rule_def {\n"
  "    const char *id;\n"
  "    severity sev;           /* default severity */\n"
  "    bool opt_in;            /* off unless the policy gives it a severity */\n"
  "    rule_group group;\n"
  "    const char *summary;    /* one line, lowercase, no final period */\n"
  "    const char *doc;        /* the whole of rules/<id>.md */\n"
  "} rule_def;\n\n"
  "extern const rule_def rule_defs[RULE_COUNT];\n\n"
  "/* The id string of a rule (\"set-not-null\"). */\n"
  "static inline const char *rule_name(rule_id id)\n{\n"
  "    return (unsigned)id < RULE_COUNT ? rule_defs[id].id : \"?\";\n}\n\n"
  "/* The rule with this id string, or RULE_COUNT when there is none. */\n"
  "rule_id rule_lookup(const char *name);\n\n"
  "#endif\n")
file(WRITE ${OUT_C}.tmp "${banner}"
  "#include \"rule_ids.h\"\n\n#include <stdlib.h>\n#include <string.h>\n\n"
  "const rule_def rule_defs[RULE_COUNT] = {\n${table_body}};\n\n"
  "static int cmp_id(const void *key, const void *item)\n{\n"
  "    return strcmp(key, ((const rule_def *)item)->id);\n}\n\n"
  "rule_id rule_lookup(const char *name)\n{\n"
  "    const rule_def *r = name ? bsearch(name, rule_defs, RULE_COUNT, sizeof(rule_def), cmp_id) : NULL;\n"
  "    return r ? (rule_id)(r - rule_defs) : RULE_COUNT;\n}\n")
foreach(pair "${OUT_H}" "${OUT_C}")
  file(COPY_FILE ${pair}.tmp ${pair} ONLY_IF_DIFFERENT)
  file(REMOVE ${pair}.tmp)
endforeach()
