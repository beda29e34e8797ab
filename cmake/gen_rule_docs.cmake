# gen_rule_docs.cmake: builds every rules/<id>.md (not POLICY.md) into a header:
#   cmake -DDOCS_DIR=rules -DOUT=gen/rule_docs.h -P gen_rule_docs.cmake
# defines `static const struct rule_doc { const char *id; const char *text; }
# rule_docs[]`, sorted by id, the texts as hex escapes so any byte survives.
file(GLOB docs "${DOCS_DIR}/*.md")
list(SORT docs)
set(body "")
foreach(doc IN LISTS docs)
  get_filename_component(id ${doc} NAME_WE)
  if(id STREQUAL "POLICY")
    continue()
  endif()
  file(READ ${doc} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" esc "${hex}")
  string(APPEND body "    {\"${id}\", \"${esc}\"},\n")
endforeach()
file(WRITE ${OUT}.tmp "/* generated from the rules folder by cmake/gen_rule_docs.cmake: do not edit */\n"
                      "static const struct rule_doc {\n    const char *id;\n    const char *text;\n"
                      "} rule_docs[] = {\n${body}    {\"\", \"\"},\n};\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
