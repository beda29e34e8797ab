# gen_function_allowlist.cmake: the built-ins a restricted role may call, from the
# one place they are listed and reviewed, rules/functions.allow (one line per
# pg_catalog function name: name, category, why it is safe; `#` comments).
#
#   cmake -DLIST=rules/functions.allow -DOUT=gen/function_allowlist.h -P gen_function_allowlist.cmake
#
# function_allowlist.h: `function_allowlist[]`, the names sorted as strcmp orders
# them (the gate searches it with bsearch). A line that is not `name category why`
# stops the build with file:line.
file(STRINGS "${LIST}" lines)
set(names "")
set(n 0)
foreach(line IN LISTS lines)
  math(EXPR n "${n} + 1")
  if(line MATCHES "^#" OR line MATCHES "^[ \t]*$")
    continue()
  endif()
  if(NOT line MATCHES "^([a-z_][a-z0-9_]*)[ ]+([a-z]+)[ ]+[^ ].*$")
    message(FATAL_ERROR "${LIST}:${n}:1: expected 'name category why', got '${line}'")
  endif()
  list(APPEND names "${CMAKE_MATCH_1}")
endforeach()
list(LENGTH names count)
set(unique ${names})
list(REMOVE_DUPLICATES unique)
list(LENGTH unique ucount)
if(NOT count EQUAL ucount)
  message(FATAL_ERROR "${LIST}: a name is listed twice")
endif()
list(SORT names)
set(out "/* Generated from ${LIST} by cmake/gen_function_allowlist.cmake: do not edit. */\n")
string(APPEND out "#ifndef PGWARD_FUNCTION_ALLOWLIST_H\n#define PGWARD_FUNCTION_ALLOWLIST_H\n")
string(APPEND out "static const char *const function_allowlist[] = {\n")
foreach(name IN LISTS names)
  string(APPEND out "    \"${name}\",\n")
endforeach()
string(APPEND out "};\n#endif\n")
file(WRITE "${OUT}.tmp" "${out}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
